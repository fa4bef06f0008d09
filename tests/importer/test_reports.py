"""Tests for practices.importer.reports: manifests segment the four case-report sources.

Expectations (titles, bylines, provinces, first and last sentences, article
counts) live in tests/data/reports_expected.json and were written by reading
the sources, not by dumping the parser's output. No database, no Django.
"""

from __future__ import annotations

import copy
import json
import re
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
if str(ROOT) not in sys.path:  # run with -p no:django, so nothing else adds it
    sys.path.insert(0, str(ROOT))

from practices.importer import normalize  # noqa: E402
from practices.importer.reports import (  # noqa: E402
    REPORT_SOURCES,
    ManifestError,
    ParsedReportDocument,
    load_manifest,
    parse_report_document,
    parse_report_file,
)

SOURCES = ROOT / "fixtures" / "sources"
MANIFESTS = ROOT / "fixtures" / "manifests"
EXPECTED = json.loads((ROOT / "tests" / "data" / "reports_expected.json").read_text(encoding="utf-8"))


def _raw(filename: str) -> str:
    with (SOURCES / filename).open(encoding="utf-8", newline="") as handle:
        return handle.read()


def _manifest(filename: str) -> dict:
    return load_manifest(MANIFESTS / filename.replace(".txt", ".toml"))


_PARSED: dict[str, ParsedReportDocument] = {}


def _parsed(filename: str) -> ParsedReportDocument:
    if filename not in _PARSED:
        _PARSED[filename] = parse_report_file(SOURCES / filename, MANIFESTS / filename.replace(".txt", ".toml"))
    return _PARSED[filename]


ARTICLE_CASES = [
    pytest.param(name, i, id=f"{name[:3]}-{i + 1}")
    for name in REPORT_SOURCES
    for i in range(EXPECTED[name]["article_count"])
]


def test_report_sources_are_the_four_files_with_manifests():
    assert REPORT_SOURCES == tuple(EXPECTED)
    for name in REPORT_SOURCES:
        assert (SOURCES / name).is_file()
        assert (MANIFESTS / name.replace(".txt", ".toml")).is_file()


@pytest.mark.parametrize("name", REPORT_SOURCES)
def test_document_metadata(name):
    doc, want = _parsed(name), EXPECTED[name]
    assert doc.filename == name
    assert (doc.title, doc.kind, doc.publisher, doc.date) == (
        want["title"],
        want["kind"],
        want["publisher"],
        want["date"],
    )
    assert len(doc.articles) == want["article_count"]
    assert [a.position for a in doc.articles] == list(range(1, want["article_count"] + 1))
    assert [p.label for p in doc.non_article_parts] == want["non_article_labels"]


@pytest.mark.parametrize(("name", "index"), ARTICLE_CASES)
def test_article_fields(name, index):
    article = _parsed(name).articles[index]
    want = EXPECTED[name]["articles"][index]
    for field in ("title", "subtitle", "kicker", "byline", "province"):
        assert getattr(article, field) == want[field], field
    assert article.cities == tuple(want["cities"])


@pytest.mark.parametrize(("name", "index"), ARTICLE_CASES)
def test_article_first_and_last_sentence(name, index):
    body = _parsed(name).articles[index].body
    want = EXPECTED[name]["articles"][index]
    first, last = want["first_sentence"], want["last_sentence"]
    assert body.startswith(first)
    assert body.endswith(last)
    assert normalize.ends_paragraph(first) and normalize.ends_paragraph(last)
    # `last` is a whole sentence: what precedes it ends a sentence or a paragraph.
    before = body[: -len(last)]
    assert before == "" or before.endswith("\n\n") or normalize.ends_paragraph(before)


@pytest.mark.parametrize(("name", "index"), ARTICLE_CASES)
def test_body_is_clean_text(name, index):
    article = _parsed(name).articles[index]
    body = article.body
    paragraphs = body.split("\n\n")
    assert all(p and p == p.strip() and "\n" not in p for p in paragraphs)
    assert not normalize.PINYIN_ANNOTATION.search(body)
    assert not normalize.has_traditional(body)
    # No headline marks, bylines or captions inside the body.
    for marker in ("##", "■", "【", "】", "本报记者", "（胡学英）", " 摄", "决战脱贫攻坚"):
        assert marker not in body, marker
    assert article.byline == "" or article.byline not in body
    if article.subtitle:
        assert article.subtitle not in body
    # The headline is not repeated as a paragraph (its words may recur in the text).
    assert article.title not in paragraphs
    assert article.kicker == "" or article.kicker not in paragraphs


@pytest.mark.parametrize("name", REPORT_SOURCES)
def test_metadata_strings_are_simplified_and_unannotated(name):
    doc = _parsed(name)
    texts = [doc.title] + [p.text for p in doc.non_article_parts]
    for a in doc.articles:
        texts += [a.title, a.subtitle, a.kicker, a.byline]
    for text in texts:
        assert not normalize.PINYIN_ANNOTATION.search(text), text
        assert not normalize.has_traditional(text), text


@pytest.mark.parametrize("name", REPORT_SOURCES)
def test_every_character_is_accounted_for_exactly_once(name):
    raw, doc = _raw(name), _parsed(name)
    owners: list[str | None] = [None] * len(raw)
    spans = [(s, e, f"article {a.position}") for a in doc.articles for s, e in a.spans]
    spans += [(s, e, f"part {p.label}") for p in doc.non_article_parts for s, e in p.spans]
    for start, end, owner in spans:
        assert 0 <= start < end <= len(raw)
        for offset in range(start, end):
            assert owners[offset] is None, f"overlap at {offset}: {owners[offset]} / {owner}"
            owners[offset] = owner
    gaps = [i for i, c in enumerate(raw) if not c.isspace() and owners[i] is None]
    assert gaps == [], raw[gaps[0] : gaps[0] + 20] if gaps else ""


DOUBLED_HEADLINES = [
    ("000_8012fb836a8dc870.txt", "山西护航晋商高质量山西护航晋商高质量““出海出海””", "山西护航晋商高质量“出海”"),
    (
        "000_8012fb836a8dc870.txt",
        "浙江省工商联创新法律服务工作纪实浙江省工商联创新法律服务工作纪实",
        "浙江省工商联创新法律服务工作纪实",
    ),
    (
        "001_89178abc7061ee5b.txt",
        "江苏全力护航民营企业国际化发展江苏全力护航民营企业国际化发展",
        "江苏全力护航民营企业国际化发展",
    ),
    (
        "001_89178abc7061ee5b.txt",
        "宁波市基层商会开展决战脱贫攻坚活动宁波市基层商会开展决战脱贫攻坚活动",
        "宁波市基层商会开展决战脱贫攻坚活动",
    ),
]


@pytest.mark.parametrize(("name", "doubled", "single"), DOUBLED_HEADLINES, ids=lambda v: str(v)[:12])
def test_doubled_headlines_are_dedoubled(name, doubled, single):
    raw_lines = _raw(name).split("\n")
    assert doubled in raw_lines
    assert normalize.dedouble(doubled) == single
    doc = _parsed(name)
    printed = [a.title for a in doc.articles] + [a.subtitle for a in doc.articles]
    printed += [p.text for p in doc.non_article_parts]
    assert single in printed
    assert doubled not in printed


def test_no_other_source_line_is_doubled():
    # Guards against dedouble halving ordinary lines (003 included on purpose).
    found = []
    for path in sorted(SOURCES.glob("*.txt")):
        for line in path.read_text(encoding="utf-8").split("\n"):
            if line.strip() and normalize.dedouble(line) != line:
                found.append(line)
    assert sorted(found) == sorted(d for _, d, _ in DOUBLED_HEADLINES)


# ---- 004: interleaved columns and mid-word column breaks -------------------

SHENZHEN, ZHUMADIAN = 3, 4  # indexes in 004


def _articles_004():
    return _parsed("004_5920e912d40b6210.txt").articles


@pytest.mark.parametrize(
    ("index", "sentence"),
    [
        (
            SHENZHEN,
            "“要充分发挥深圳产学研融合发展优势，鼓励和支持民营企业加强与科研机构、高校、金融机构等主体的协同合作。”",
        ),
        (
            ZHUMADIAN,
            "并积极搭建协商平台，与政府相关部门、企业家等进行座谈交流20余场次，梳理问题和意见建议数量累计210余条。",
        ),
        (
            0,
            "2023年一季度，黑龙江省政协举办第一期企业家委员优化营商环境建言资政沙龙。上述案例正是议政成果转化的一部分。",
        ),
        (0, "不仅如此，开展此次沙龙的同时，“一库一网一平台”正式亮相，"),
        (1, "委员们立足各自岗位实际，为破解中小微企业体量小、抗风险能力较弱等问题建言。"),
        (1, "帮助企业提高效益、实现高质量发展。"),
        (2, "新制造、新服务、新业态正散发出蓬勃的发展动能。"),
        (2, "引导中小企业加大科技创新投入，进一步健全科技创新机制体制，"),
    ],
)
def test_004_sentences_across_column_breaks_read_continuously(index, sentence):
    assert sentence in _articles_004()[index].body


def test_004_interleaved_articles_do_not_swap_sentences():
    shenzhen, zhumadian = _articles_004()[SHENZHEN].body, _articles_004()[ZHUMADIAN].body
    for foreign in ("驻马店", "等进行座谈交流20余场次", "陈锋", "协商“一根针”", "正华置地"):
        assert foreign not in shenzhen, foreign
    for foreign in ("深圳", "高校、金融机构等主体的协同合作", "李鉴墨", "小巨人", "政府采购目录"):
        assert foreign not in zhumadian, foreign
    # The resumed halves come right after the cut, in the same paragraph.
    assert "科研机构、高校" in shenzhen and "科研机构、\n" not in shenzhen
    assert "企业家等进行座谈" in zhumadian
    # Reading order of the 深圳 article: the resumed half precedes the 全会 section.
    assert shenzhen.index("协同合作。”委员们建议") < shenzhen.index("如何促进深圳科技型中小企业")


def test_004_the_editor_note_and_caption_are_not_articles():
    doc = _parsed("004_5920e912d40b6210.txt")
    parts = {p.label: p.text for p in doc.non_article_parts}
    assert parts["banner"] == "本期关注·中小微企业"
    assert parts["document_title"] == "支持中小微企业“破浪前行”"
    assert parts["editor_note"].startswith("编者按\n\n习近平总书记指出")
    assert parts["editor_note"].endswith("精准发力，建言献策。")
    assert parts["caption"].endswith("勇挑大梁。 耿玉和 摄")
    for article in doc.articles:
        assert "编者按" not in article.body and "耿玉和" not in article.body


# ---- 002: pinyin and traditional characters --------------------------------


def test_002_is_converted_but_the_raw_text_is_untouched():
    raw = _raw("002_8e4d4544b0229087.txt")
    before = raw
    doc = parse_report_document(raw, _manifest("002_8e4d4544b0229087.txt"), filename="002_8e4d4544b0229087.txt")
    assert raw == before and "聯(lián)" in raw
    body = doc.articles[0].body
    assert "聯" not in body and "(lián)" not in body
    assert "联宝(合肥)“灯塔工厂”" in body  # real parentheses survive
    assert body.split("\n\n")[1] == "一、强化组织领导,统筹部署推进"
    assert doc.non_article_parts[0].text == "微信公众号"


# ---- corrupted manifests and sources ---------------------------------------

NAME_004 = "004_5920e912d40b6210.txt"


def _expect_error(raw: str, manifest: dict, *fragments: str) -> str:
    with pytest.raises(ManifestError) as info:
        parse_report_document(raw, manifest, filename=NAME_004)
    message = str(info.value)
    assert message.startswith(NAME_004 + ":")
    for fragment in fragments:
        assert fragment in message, message
    return message


def test_missing_start_anchor_in_manifest():
    manifest = copy.deepcopy(_manifest(NAME_004))
    manifest["articles"][2]["body"][0]["start"] = "初夏时节，八闽大地，不存在"
    _expect_error(_raw(NAME_004), manifest, "article 3", "“既要做深专业", "start anchor", "not found")


def test_missing_end_anchor_in_manifest():
    manifest = copy.deepcopy(_manifest(NAME_004))
    manifest["articles"][0]["body"][0]["end"] = "这句话不存在。"
    _expect_error(_raw(NAME_004), manifest, "article 1", "end anchor", "not found")


def test_ambiguous_anchor_in_manifest():
    manifest = copy.deepcopy(_manifest(NAME_004))
    span = manifest["articles"][3]["body"][1]
    span["start"] = "小巨人"
    del span["lines"]
    _expect_error(_raw(NAME_004), manifest, "article 4", "found", "times", "must be unique")


def test_wrong_line_numbers_in_manifest():
    manifest = copy.deepcopy(_manifest(NAME_004))
    manifest["articles"][1]["heading"][2]["lines"] = [52, 52]
    _expect_error(_raw(NAME_004), manifest, "article 2", "not found in the declared lines")


def test_declared_title_must_match_the_source():
    manifest = copy.deepcopy(_manifest(NAME_004))
    manifest["articles"][0]["title"] = "听懂企业故事"
    _expect_error(_raw(NAME_004), manifest, "article 1", "declared title")


def test_overlapping_spans_in_manifest():
    manifest = copy.deepcopy(_manifest(NAME_004))
    manifest["non_article"][3]["spans"][0] = {"start": "6月24日，连云港高新区", "end": "听懂企业故事 解决企业心事"}
    _expect_error(_raw(NAME_004), manifest, "overlap")


def test_unaccounted_text_in_manifest():
    manifest = copy.deepcopy(_manifest(NAME_004))
    del manifest["non_article"][3]  # the caption
    _expect_error(_raw(NAME_004), manifest, "line 15", "not accounted for", "6月24日")


def test_unknown_province_in_manifest():
    manifest = copy.deepcopy(_manifest(NAME_004))
    manifest["articles"][3]["province"] = "深圳"
    _expect_error(_raw(NAME_004), manifest, "article 4", "province")


def test_corrupted_source_shifts_lines():
    raw = _raw(NAME_004).replace("上述案\n\n例正是", "上述例正是")
    # Every anchor is still there, but two lines vanished: the declared lines no longer match.
    _expect_error(raw, _manifest(NAME_004), "article 1", "lines [23, 45] do not match")


def test_corrupted_source_loses_an_anchor():
    raw = _raw(NAME_004).replace("加强与科研机构、", "加强与科研院所、")
    _expect_error(raw, _manifest(NAME_004), "article 4", "end anchor '加强与科研机构、' not found")


def test_corrupted_source_gains_stray_text():
    raw = _raw(NAME_004).replace("\n\n## 海南省政协——", "\n多出来的一行\n\n## 海南省政协——")
    _expect_error(raw, _manifest(NAME_004))


def test_invalid_toml_raises_manifest_error(tmp_path):
    bad = tmp_path / "broken.toml"
    bad.write_text("[document\ntitle = 1", encoding="utf-8")
    with pytest.raises(ManifestError, match="broken.toml"):
        load_manifest(bad)


def test_manifest_error_is_a_value_error():
    assert issubclass(ManifestError, ValueError)


@pytest.mark.parametrize(
    ("mutate", "fragment"),
    [
        (lambda m: m.pop("document"), "[document]"),
        (lambda m: m["document"].update(kind="magazine"), "kind"),
        (lambda m: m["document"].update(date="24/06/2024"), "ISO"),
        (lambda m: m.update(articles=[]), "no [[articles]]"),
        (lambda m: m["articles"][0]["body"][0].update(join="glue"), "join"),
        (lambda m: m["articles"][0]["heading"][0].update(role="headline"), "role"),
    ],
)
def test_malformed_manifest(mutate, fragment):
    manifest = copy.deepcopy(_manifest(NAME_004))
    mutate(manifest)
    _expect_error(_raw(NAME_004), manifest, fragment)


# ---- no Django -------------------------------------------------------------


def test_modules_import_without_django():
    code = (
        "import sys; sys.path.insert(0, sys.argv[1]);"
        "import practices.importer.reports, practices.importer.normalize;"
        "print(sorted(m for m in sys.modules if m == 'django' or m.startswith('django.')))"
    )
    result = subprocess.run(
        [sys.executable, "-c", code, str(ROOT)], capture_output=True, text=True, check=True, cwd=ROOT
    )
    assert result.stdout.strip() == "[]"


def test_no_print_in_library_code():
    for module in ("reports.py", "normalize.py"):
        source = (ROOT / "practices" / "importer" / module).read_text(encoding="utf-8")
        assert not re.search(r"^\s*print\(", source, re.M), module


# ---- reviewed cities ---------------------------------------------------------


@pytest.mark.parametrize(
    ("cities", "fragment"),
    [
        (["宜宾市"], "unknown city: '宜宾市' in 福建省"),       # a market in 四川, not the work
        (["三明市"], "'三明市' is not written in the report"),  # a 福建 city the report never names
        (["泉州市", "泉州"], "listed twice"),
        ("泉州市", "cities must be a list"),
    ],
)
def test_reviewed_cities_must_be_written_cities_of_the_province(cities, fragment):
    manifest = copy.deepcopy(_manifest(NAME_004))
    manifest["articles"][2]["cities"] = cities
    _expect_error(_raw(NAME_004), manifest, "article 3", fragment)


def test_an_article_without_a_reviewed_list_has_cities_none():
    manifest = copy.deepcopy(_manifest(NAME_004))
    del manifest["articles"][2]["cities"]
    doc = parse_report_document(_raw(NAME_004), manifest, filename=NAME_004)
    assert doc.articles[2].cities is None
    assert doc.articles[3].cities == ("深圳市",)
