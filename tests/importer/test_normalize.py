"""Table tests for practices.importer.normalize (pure text helpers, no Django)."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
if str(ROOT) not in sys.path:  # run with -p no:django, so nothing else adds it
    sys.path.insert(0, str(ROOT))

from practices.importer import normalize  # noqa: E402
from practices.importer.normalize import (  # noqa: E402
    PINYIN_ANNOTATION,
    clean_heading,
    collapse_cjk_spaces,
    dedouble,
    ends_paragraph,
    has_traditional,
    join_wrapped_lines,
    repair_column_breaks,
    split_paragraphs,
    strip_pinyin,
    to_simplified,
    traditional_chars,
)


@pytest.mark.parametrize(
    ("doubled", "single"),
    [
        # every doubled headline of the sources
        ("山西护航晋商高质量山西护航晋商高质量““出海出海””", "山西护航晋商高质量“出海”"),
        ("浙江省工商联创新法律服务工作纪实浙江省工商联创新法律服务工作纪实", "浙江省工商联创新法律服务工作纪实"),
        ("江苏全力护航民营企业国际化发展江苏全力护航民营企业国际化发展", "江苏全力护航民营企业国际化发展"),
        ("宁波市基层商会开展决战脱贫攻坚活动宁波市基层商会开展决战脱贫攻坚活动", "宁波市基层商会开展决战脱贫攻坚活动"),
        # the generic shapes
        ("ABAB", "AB"),
        ("““出海出海””", "“出海”"),
        ("协商协商““一根针一根针””巧穿助企巧穿助企““千条线千条线””", "协商“一根针”巧穿助企“千条线”"),
        ("  大连发挥作用大连发挥作用 ", "大连发挥作用"),
    ],
)
def test_dedouble_doubled(doubled, single):
    assert dedouble(doubled) == single


@pytest.mark.parametrize(
    "text",
    [
        "山西护航晋商高质量“出海”",
        "商会有了新样子新力量",
        "谢谢",  # one-character runs are only accepted for punctuation
        "天天向上",
        "“出海”",
        "ABABA",
        "ABA",
        "A",
        "",
        "黑龙江省政协——",
    ],
)
def test_dedouble_leaves_single_text_alone(text):
    assert dedouble(text) == text


@pytest.mark.parametrize(
    ("raw", "clean"),
    [
        ("安徽省工商聯(lián)", "安徽省工商聯"),
        ("進企業(yè)、解難題", "進企業、解難題"),
        ("發(fā)展", "發展"),
        ("業（yè）", "業"),
        ("內(nèi)部", "內部"),
        ("聯(lián)寶(合肥)“燈塔工廠”", "聯寶(合肥)“燈塔工廠”"),
        ("一带一路”中小企业特色产业（祁县）合作区", "一带一路”中小企业特色产业（祁县）合作区"),
        ("（2021年）", "（2021年）"),
        ("工作（2021年）總結", "工作（2021年）總結"),
        ("人工智能(AI)", "人工智能(AI)"),
        ("北京天达共和（武汉）律师事务所", "北京天达共和（武汉）律师事务所"),
        ("Pinyin (lián) after Latin", "Pinyin (lián) after Latin"),
        ("", ""),
    ],
)
def test_strip_pinyin(raw, clean):
    assert strip_pinyin(raw) == clean


@pytest.mark.parametrize(
    ("text", "found"),
    [("聯(lián)", True), ("業（yè）", True), ("联宝(合肥)", False), ("（2021年）", False), ("(AI)", False)],
)
def test_pinyin_annotation_regex(text, found):
    assert bool(PINYIN_ANNOTATION.search(text)) is found


@pytest.mark.parametrize(
    ("wrapped", "joined"),
    [
        ("当前，山西民营企业“走出去”\n的步伐不断加快", "当前，山西民营企业“走出去”的步伐不断加快"),
        ("上述案\n例正是", "上述案例正是"),
        ("早通过 API Spec 7、 API 5DP 和\nAPI 5 CT 等", "早通过 API Spec 7、 API 5DP 和API 5 CT 等"),
        ("API Spec\n7", "API Spec 7"),
        ("  前后空白  \n  被去掉 ", "前后空白被去掉"),
        ("一行", "一行"),
        ("", ""),
    ],
)
def test_join_wrapped_lines(wrapped, joined):
    assert join_wrapped_lines(wrapped) == joined


@pytest.mark.parametrize(
    ("paragraphs", "repaired"),
    [
        (["上述案", "例正是议政成果转化的一部分。"], ["上述案例正是议政成果转化的一部分。"]),
        (["帮助企业提高", "效益、实现高质量发展。"], ["帮助企业提高效益、实现高质量发展。"]),
        (["第一段。", "第二段。"], ["第一段。", "第二段。"]),
        (["“问得好？”", "答。"], ["“问得好？”", "答。"]),
        (["了试点……", "2023年一季度。"], ["了试点……", "2023年一季度。"]),
        (["新", "业态", "正散发出动能。"], ["新业态正散发出动能。"]),
        (["没有结尾"], ["没有结尾"]),
        ([], []),
    ],
)
def test_repair_column_breaks(paragraphs, repaired):
    assert repair_column_breaks(paragraphs) == repaired


@pytest.mark.parametrize(
    ("text", "paragraphs"),
    [
        ("第一行\n接着。\n\n第二段。", ["第一行接着。", "第二段。"]),
        ("上述案\n\n例正是议政成果转化的一部分。", ["上述案例正是议政成果转化的一部分。"]),
        ("会 2020 年 累 计 捐 赠 款 物 金 额\n1004.53万元。", ["会2020年累计捐赠款物金额1004.53万元。"]),
        ("参与\n \n“一带一路”建设。\n\n\n下一段。", ["参与“一带一路”建设。", "下一段。"]),
    ],
)
def test_split_paragraphs_columns(text, paragraphs):
    assert split_paragraphs(text) == paragraphs


def test_split_paragraphs_one_line_per_paragraph():
    text = "一、强化组织领导,统筹部署推进\n主要工作如下:\n正文。\n\n"
    assert split_paragraphs(text, one_line_per_paragraph=True) == [
        "一、强化组织领导,统筹部署推进",
        "主要工作如下:",
        "正文。",
    ]


@pytest.mark.parametrize(
    ("text", "ends"),
    [
        ("提供帮助和服务。", True),
        ("应有贡献。”", True),
        ("进行了试点……", True),
        ("走稳科创路？", True),
        ("上述案", False),
        ("有所作为：", False),
        ("科研机构、", False),
        ("“五强一", False),
        ("", False),
    ],
)
def test_ends_paragraph(text, ends):
    assert ends_paragraph(text) is ends


@pytest.mark.parametrize(
    ("text", "collapsed"),
    [
        ("2021年 7月中旬", "2021年7月中旬"),
        ("审议通过 《浙江省", "审议通过《浙江省"),
        ("在区县 （市）、乡镇 （街道）", "在区县（市）、乡镇（街道）"),
        ("API Spec 7、 API 5DP 和API 5 CT", "API Spec 7、API 5DP和API 5 CT"),
        ("no CJK here", "no CJK here"),
    ],
)
def test_collapse_cjk_spaces(text, collapsed):
    assert collapse_cjk_spaces(text) == collapsed


@pytest.mark.parametrize(
    ("raw", "heading"),
    [
        ("## 听懂企业故事 解决企业心事", "听懂企业故事 解决企业心事"),
        ("## 黑龙江省政协——", "黑龙江省政协——"),
        (" 搭建服务平台 创新工作方法 拓宽工作思路", "搭建服务平台 创新工作方法 拓宽工作思路"),
        ("■本报记者 张华钰\n", "■本报记者 张华钰"),
    ],
)
def test_clean_heading(raw, heading):
    assert clean_heading(raw) == heading


@pytest.mark.parametrize(
    ("traditional", "simplified"),
    [
        ("安徽省工商聯組織開展", "安徽省工商联组织开展"),
        ("進企業、解難題、送政策、促發展", "进企业、解难题、送政策、促发展"),
        ("聯寶(合肥)“燈塔工廠”", "联宝(合肥)“灯塔工厂”"),
        ("已经是简体", "已经是简体"),
    ],
)
def test_to_simplified(traditional, simplified):
    assert to_simplified(traditional) == simplified


def test_converter_is_built_once():
    assert normalize._t2s() is normalize._t2s()


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("安徽省工商聯", True),
        ("後來", True),
        ("安徽省工商联", False),
        ("乾隆", False),  # phrase-aware: not 干隆
        ("哪吒", False),
        ("乾县", False),  # standard simplified characters t2s would still rewrite
        ("於先生", False),
        ("2021 API （祁县）", False),
        ("", False),
    ],
)
def test_has_traditional(text, expected):
    assert has_traditional(text) is expected


def test_traditional_chars_lists_the_offenders():
    assert traditional_chars("安徽省工商聯組織") == ["聯", "組", "織"]


def test_simplified_sources_have_no_traditional_characters():
    # Verifies has_traditional on real simplified text: no false positives.
    for name in (
        "000_8012fb836a8dc870.txt",
        "001_89178abc7061ee5b.txt",
        "003_0afe494a00c202ac.txt",
        "004_5920e912d40b6210.txt",
    ):
        text = (ROOT / "fixtures" / "sources" / name).read_text(encoding="utf-8")
        assert not has_traditional(text), name
