"""Tests for practices.importer.similarity (plain pytest, no Django, no database)."""

from __future__ import annotations

import re
import subprocess
import sys
import textwrap
from collections import Counter
from decimal import Decimal
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
if str(ROOT) not in sys.path:  # the project root is not on sys.path under bare pytest
    sys.path.insert(0, str(ROOT))

from practices.importer.similarity import (  # noqa: E402
    suggest_categories,
    suggest_related,
    tokenize,
)

SOURCES = ROOT / "fixtures" / "sources"
CATEGORY_LINE = re.compile(r"^([一二三四五六七])、")
NUMBER_LINE = re.compile(r"^(\d{1,2})(?:[ \t].*)?$")


def _source(prefix: str) -> str:
    (path,) = SOURCES.glob(f"{prefix}_*.txt")
    return path.read_text(encoding="utf-8")


def _split_catalogue(text: str) -> tuple[dict[int, str], dict[int, int]]:
    """Throwaway splitter for 003: practice number -> whole block, and -> category 1..7.

    A practice starts at a line beginning with the next expected number; its block
    (name, paragraphs, source cities) runs to the next practice or category line.
    """
    blocks: dict[int, list[str]] = {}
    categories: dict[int, int] = {}
    current, category = 0, 0
    for line in text.splitlines():
        if m := CATEGORY_LINE.match(line):
            category, current = "一二三四五六七".index(m.group(1)) + 1, 0
        elif (m := NUMBER_LINE.match(line)) and int(m.group(1)) == len(blocks) + 1:
            current = int(m.group(1))
            blocks[current], categories[current] = [line[len(m.group(1)) :]], category
        elif current:
            blocks[current].append(line)
    return {k: "\n".join(v) for k, v in blocks.items()}, categories


def _between(text: str, start: str, end: str) -> str:
    i = text.index(start)
    return text[i : text.index(end, i)]


PRACTICES, CATEGORY = _split_catalogue(_source("003"))
CANDIDATES = sorted(PRACTICES.items())
_A, _B = _source("000"), _source("001")
PASSAGES = {
    # 温州 "两个健康" 先行区 (000): 评价指标体系, 清单, 法治研究中心, 理旧账 ...
    "wenzhou": _between(_A, "“两个健康”先行区交出", "构建亲清关系形成"),
    # 厦门 finance for small and micro firms (000)
    "xiamen": _between(_A, "厦门引金融活水", "【记者刘可西安报道】"),
    # 武汉 lawyers serving private firms, "万所联万会" (001)
    "wuhan": _between(_B, "武汉搭建律师服务民企新平台", "（胡学英）"),
    # 浙江 工商联 legal services: 条例, 律师公益服务团 (000)
    "zhejiang": _between(_A, "浙江省工商联三级联动", "“两个健康”先行区交出"),
}


@pytest.fixture(scope="module")
def related() -> dict[str, list[tuple[int, Decimal]]]:
    result = suggest_related(list(PASSAGES.values()), CANDIDATES, top=5, categories=CATEGORY)
    return dict(zip(PASSAGES, result, strict=True))


def _keys(items: list[tuple[int, Decimal]]) -> list[int]:
    return [key for key, _ in items]


def test_catalogue_splitter_sanity() -> None:
    assert len(PRACTICES) == 72
    sizes = tuple(sum(1 for c in CATEGORY.values() if c == n) for n in range(1, 8))
    assert sizes == (11, 20, 13, 9, 7, 6, 6)
    assert "温州市" in PRACTICES[59] and "两个健康" in PASSAGES["wenzhou"]


def test_tokenize_drops_noise_and_undoes_wraps() -> None:
    tokens = tokenize("推进企业开办智能化、极\n简化，2021年0.5天办结的API。\n\n温州市")
    assert tokens == ["开办", "智能化", "极", "简化", "天", "办结", "api", "温州市"]
    assert tokenize("") == [] and tokenize("，。 2021 的 和 16.22%") == []
    assert tokenize("法律\n服务") == tokenize("法律服务")


def test_wenzhou_two_healths_surfaces_wenzhou_practices(related) -> None:
    top = _keys(related["wenzhou"])
    # 59 民营经济健康发展指标体系/民营企业家健康成长评价体系, 54 清廉民企 (category 五)
    assert top[0] == 59 and 54 in top
    assert top == [59, 32, 61, 41, 54]  # 41 理旧账: the passage reports 152 problems solved
    assert all("温州市" in PRACTICES[k] for k in top)  # all reported by 温州
    assert [CATEGORY[k] for k in top].count(5) >= 2


def test_xiamen_small_firm_finance_surfaces_financing_practices(related) -> None:
    top = _keys(related["xiamen"])
    assert top == [31, 28, 13, 23, 24]
    assert {CATEGORY[k] for k in top} == {2}


@pytest.mark.parametrize("name", ["wuhan", "zhejiang"])
def test_legal_services_surface_rule_of_law_practices(related, name) -> None:
    top = _keys(related[name])
    # 43 加强对民营企业的法律专业服务, 44 设立非公经济法治护航中心
    assert top[:2] == [43, 44]
    assert [CATEGORY[k] for k in top].count(3) >= 2


def test_categories_for_passages(related) -> None:
    themes = suggest_categories(
        list(PASSAGES.values()), list(related.values()), CATEGORY
    )
    assert dict(zip(PASSAGES, themes, strict=True)) == {
        "wenzhou": [5, 3],
        "xiamen": [2],
        "wuhan": [3],
        "zhejiang": [3, 2],
    }


def test_scores_are_rounded_decimals_in_unit_interval_best_first(related) -> None:
    for items in related.values():
        assert 1 <= len(items) <= 5
        assert items == sorted(items, key=lambda item: (-item[1], item[0]))
        for _, score in items:
            assert isinstance(score, Decimal)
            assert score.as_tuple().exponent == -4
            assert Decimal(0) < score <= Decimal(1)


def test_top_k_is_a_prefix_of_longer_rankings() -> None:
    docs = [PASSAGES["xiamen"]]
    longer = suggest_related(docs, CANDIDATES, top=10)[0]
    assert len(longer) == 10
    for k in (1, 3, 5):
        assert suggest_related(docs, CANDIDATES, top=k)[0] == longer[:k]


def test_deterministic_regardless_of_input_order(related) -> None:
    again = suggest_related(list(PASSAGES.values())[::-1], CANDIDATES[::-1], top=5, categories=CATEGORY)
    assert again[::-1] == list(related.values())


def test_identical_text_scores_one_and_ties_break_by_key() -> None:
    text = PRACTICES[43]
    result = suggest_related([text], [(9, text), (3, text), (1, PRACTICES[20])], top=3)
    assert result[0][:2] == [(3, Decimal("1.0000")), (9, Decimal("1.0000"))]


def test_edge_cases() -> None:
    assert suggest_related([], CANDIDATES) == []
    assert suggest_related(["法律服务"], []) == [[]]
    assert suggest_related(["。。。 2021"], CANDIDATES[:3]) == [[]]
    assert suggest_related(["。"], [(1, "，")]) == [[]]  # empty vocabulary
    with pytest.raises(ValueError):
        suggest_related(["法律"], [(1, "法律"), (1, "金融")])
    with pytest.raises(ValueError):
        suggest_related(["法律"], [(1, "法律")], top=0)


def test_no_candidate_goes_to_more_documents_than_the_cap() -> None:
    # Six copies of one passage all want the same practices; the cap hands
    # each practice to at most max_documents of them.
    docs = [PASSAGES["xiamen"] + "\n" + "。" * i for i in range(6)]
    capped = suggest_related(docs, CANDIDATES, top=5, max_documents=2)
    counts = Counter(key for items in capped for key, _ in items)
    assert max(counts.values()) == 2
    uncapped = suggest_related(docs, CANDIDATES, top=5, max_documents=None)
    assert max(Counter(key for items in uncapped for key, _ in items).values()) == 6
    with pytest.raises(ValueError):
        suggest_related(docs, CANDIDATES, max_documents=0)


def test_a_hub_that_matches_the_other_documents_is_pushed_down() -> None:
    hub = (1, "法律 金融 人才 党建")
    specific = (2, "法律 咨询")
    docs = ["法律 咨询 法律", "金融", "人才", "党建"]
    alone = suggest_related(docs[:1], [hub, specific], top=2)[0]
    batch = suggest_related(docs, [hub, specific], top=2)[0]
    assert [key for key, _ in alone] == [2, 1]
    # In a batch the hub matches every other document too, so it loses more.
    # (IDF changes with the batch too, so only the hub's drop is large.)
    assert dict(batch)[1] < dict(alone)[1] / 2
    assert abs(dict(batch)[2] - dict(alone)[2]) < Decimal("0.01")


def test_sharing_the_documents_category_earns_a_bonus() -> None:
    candidates = [(1, "金融 贷款"), (2, "金融 党建"), (3, "贷款 担保 融资")]
    plain = dict(suggest_related(["金融 贷款 担保"], candidates, top=3)[0])
    themed = dict(suggest_related(["金融 贷款 担保"], candidates, top=3, categories={1: 9, 2: 8, 3: 9})[0])
    assert themed[1] > plain[1] and themed[3] > plain[3]
    # The other category gets a smaller bonus, scaled by its lower affinity.
    assert themed[2] - plain[2] < themed[3] - plain[3]


def test_category_rule() -> None:
    d = Decimal
    cats = {1: 10, 2: 10, 3: 20, 4: 30, 5: 40, 6: 50}
    related = [
        [(1, d("0.4")), (3, d("0.35")), (2, d("0.1")), (5, d("0.1")), (4, d("0.05"))],
        [(3, d("0.2")), (1, d("0.2")), (4, d("0.2")), (5, d("0.2")), (6, d("0.2"))],
        [(3, d("0.3")), (4, d("0.3")), (1, d("0.05"))],
        [(4, d("0.2")), (3, d("0.2")), (5, d("0.2"))],
        [],
    ]
    docs = ["a", "b", "c", "d", "e"]
    # a: 10 -> .5, 20 -> .35, 40 -> .1 | b: all .2, so only the best, tie -> smallest
    # key | c: 20 and 30 -> .4615 each, tie by key | d: exactly a third each (kept)
    # | e: no evidence
    expected = [[10, 20], [10], [20, 30], [20, 30, 40], []]
    assert suggest_categories(docs, related, cats) == expected
    strict = suggest_categories(docs, related, cats, min_share=d("0.6"))
    assert strict == [[10], [10], [20], [20], []]
    assert suggest_categories(docs, related, cats, max_categories=2)[3] == [20, 30]
    with pytest.raises(KeyError):
        suggest_categories(["a"], [[(99, d("0.5"))]], cats)
    with pytest.raises(ValueError):
        suggest_categories(["a", "b"], [[]], cats)


def test_fresh_import_loads_no_django_and_jieba_is_quiet() -> None:
    script = textwrap.dedent(
        """
        import sys
        from concurrent.futures import ThreadPoolExecutor
        from practices.importer import similarity
        text = "温州市工商联建设全国民营经济示范城市，推出两个健康新政。"
        with ThreadPoolExecutor(4) as pool:
            results = list(pool.map(similarity.tokenize, [text] * 8))
        assert all(r == results[0] for r in results) and results[0], results
        similarity.suggest_related([text], [(1, "民营经济示范城市"), (2, "金融")])
        loaded = [m for m in sys.modules if m == "django" or m.startswith("django.")]
        assert not loaded, loaded
        """
    )
    proc = subprocess.run(
        [sys.executable, "-c", script],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert proc.returncode == 0, proc.stderr
    assert proc.stderr == ""  # jieba's "Building prefix dict ..." log is silenced
