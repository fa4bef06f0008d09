"""Tests for practices.importer.parsing (pure Python: no database, no Django)."""

from __future__ import annotations

import ast
import json
import pickle
import re
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from practices.importer import parsing  # noqa: E402
from practices.importer.parsing import (  # noqa: E402
    KNOWN_CITIES,
    ParsedCatalogue,
    ParsedPractice,
    SourceParseError,
    parse_practices,
    parse_practices_file,
)

SOURCE = ROOT / "fixtures" / "sources" / "003_0afe494a00c202ac.txt"
FILENAME = SOURCE.name
EXPECTED_JSON = ROOT / "tests" / "data" / "practices_expected.json"
CITY_PREFIX = re.compile(r"^(\S{2}市)：")


@pytest.fixture(scope="module")
def source_lines() -> list[str]:
    return SOURCE.read_text(encoding="utf-8").split("\n")


@pytest.fixture(scope="module")
def parsed_catalogue() -> ParsedCatalogue:
    return parse_practices_file(SOURCE)


def practice(catalogue: ParsedCatalogue, number: int) -> ParsedPractice:
    return next(p for p in catalogue.practices if p.number == number)


# --- the real document ------------------------------------------------------------


def test_real_document_matches_hand_checked_expectations(parsed_catalogue: ParsedCatalogue) -> None:
    expected = json.loads(EXPECTED_JSON.read_text(encoding="utf-8"))
    actual = [
        {"number": p.number, "name": p.name, "category": p.category_number, "cities": list(p.source_cities)}
        for p in parsed_catalogue.practices
    ]
    assert len(expected) == 72
    assert actual == expected


def test_real_document_header_and_categories(parsed_catalogue: ParsedCatalogue) -> None:
    assert parsed_catalogue.filename == FILENAME
    assert parsed_catalogue.title == "支持民营企业改革发展的典型做法"
    assert [(c.number, c.line) for c in parsed_catalogue.categories] == [
        (1, 8), (2, 225), (3, 595), (4, 803), (5, 949), (6, 1089), (7, 1230),
    ]
    assert parsed_catalogue.categories[0].name == "完善对民营企业全生命周期的政策服务"
    assert parsed_catalogue.categories[4].name == "促进民营企业规范健康发展、促进民营经济人士健康成长"
    assert KNOWN_CITIES == ("青岛市", "江阴市", "佛山市", "成都市", "温州市", "台州市", "泉州市", "常州市")


def test_entries_agree_with_source_column(parsed_catalogue: ParsedCatalogue) -> None:
    for p in parsed_catalogue.practices:
        assert tuple(e.city for e in p.entries) == p.source_cities, p.number
        assert [e.position for e in p.entries] == list(range(1, len(p.entries) + 1)), p.number
        assert all(e.text and not CITY_PREFIX.match(e.text) for e in p.entries), p.number


def test_line_ranges_are_consistent(parsed_catalogue: ParsedCatalogue, source_lines: list[str]) -> None:
    previous_end = 0
    for p in parsed_catalogue.practices:
        assert previous_end < p.line_start <= p.line_end
        assert source_lines[p.line_start - 1].startswith(str(p.number))
        assert source_lines[p.line_end - 1] == p.source_cities[-1]
        assert p.raw_text == "\n".join(source_lines[p.line_start - 1:p.line_end])
        bounds = [(e.line_start, e.line_end) for e in p.entries]
        assert all(p.line_start < start <= end < p.line_end for start, end in bounds)
        assert all(a[1] < b[0] for a, b in zip(bounds, bounds[1:], strict=False))
        previous_end = p.line_end


def test_wrapped_lines_leave_no_newline(parsed_catalogue: ParsedCatalogue) -> None:
    for p in parsed_catalogue.practices:
        for e in p.entries:
            if p.number != 56:
                assert "\n" not in e.text, (p.number, e.city)
    numbered = practice(parsed_catalogue, 56).entries[0].text.split("\n")
    assert [part[:2] for part in numbered] == ["1.", "2.", "3."]
    assert all(part.endswith("。") for part in numbered)


def test_joining_is_faithful(parsed_catalogue: ParsedCatalogue) -> None:
    def squeeze(text: str) -> str:
        return re.sub(r"\s+", "", text)

    for p in parsed_catalogue.practices:
        lines = p.raw_text.split("\n")
        content = [line for line in lines if line.strip()]
        sources = content[-len(p.source_cities):]
        assert [line.strip() for line in sources] == list(p.source_cities)
        raw = squeeze("".join(content[:-len(p.source_cities)]))
        assert raw.startswith(str(p.number))
        raw = raw[len(str(p.number)):]
        # The prefix is not in the entry text; put it back where the source line has it.
        prefixes = [
            f"{e.city}：" if lines[e.line_start - p.line_start].startswith(f"{e.city}：") else ""
            for e in p.entries
        ]
        assert any(prefixes) == (len(p.entries) > 1), p.number
        rebuilt = p.name + "".join(prefix + e.text for prefix, e in zip(prefixes, p.entries, strict=True))
        assert squeeze(rebuilt) == raw, p.number


def test_source_artifacts_are_kept_or_joined_as_documented(parsed_catalogue: ParsedCatalogue) -> None:
    # Stray spaces inside a line are kept verbatim.
    assert "25.3 %" in practice(parsed_catalogue, 13).entries[0].text
    assert "全国 20 多个" in practice(parsed_catalogue, 70).entries[0].text
    # The padding at the end of line 267 is dropped.
    assert practice(parsed_catalogue, 14).entries[0].text.endswith("续贷余额415.91亿元。")
    # The blank line 1011 (page break) splits a word; it is joined back.
    assert "召开全市企业家大会或企业家座谈会" in practice(parsed_catalogue, 57).entries[0].text
    # A quote wrapped alone onto the next line of the name.
    assert practice(parsed_catalogue, 27).name == "探索建立“最支持民企银行”激励制度"


def test_cities_mentioned_without_colon_stay_in_text(parsed_catalogue: ParsedCatalogue) -> None:
    first = practice(parsed_catalogue, 1)
    assert "截至2021年8月底，佛山市实有各类市场主体" in first.entries[2].text
    assert "常州市天宁区" in practice(parsed_catalogue, 9).entries[2].text
    assert "泉州市各银行业机构" in practice(parsed_catalogue, 14).entries[0].text
    assert practice(parsed_catalogue, 42).entries[0].text.startswith("常州科教城设立")
    assert len(practice(parsed_catalogue, 56).entries) == 1


def test_five_city_practice(parsed_catalogue: ParsedCatalogue) -> None:
    five = [p for p in parsed_catalogue.practices if len(p.source_cities) == 5]
    assert [p.number for p in five] == [62]
    assert five[0].source_cities == ("泉州市", "温州市", "台州市", "成都市", "佛山市")
    assert [(e.line_start, e.line_end) for e in five[0].entries] == [
        (1126, 1127), (1128, 1130), (1131, 1137), (1138, 1142), (1143, 1149),
    ]


# --- synthetic documents -------------------------------------------------------------

CATEGORY_STARTS = {1: "一", 12: "二", 32: "三", 45: "四", 54: "五", 61: "六", 67: "七"}
FILLER = "这是一段用于测试的示例正文，长度明显超过名称栏的宽度，模拟一行被换行的正文内容。"


def build_document(overrides: dict[int, str]) -> tuple[str, dict[int, int]]:
    """A minimal valid catalogue; overrides[n] replaces practice n's block.

    Returns the text and the 1-based line where each practice block starts.
    """
    lines = ["附件", "", "测试标题", "", "序号 名称 主要做法和成效 来源", ""]
    starts: dict[int, int] = {}
    for number in range(1, 73):
        if number in CATEGORY_STARTS:
            lines += [f"{CATEGORY_STARTS[number]}、测试类别", ""]
        starts[number] = len(lines) + 1
        block = overrides.get(number, f"{number} 示例做法\n\n{FILLER}\n\n青岛市")
        lines += [*block.split("\n"), ""]
    return "\n".join(lines) + "\n", starts


LAYOUTS = [
    pytest.param(
        12,
        "12\n支持发展以中小微民营企\n业为主要服务对象的中小\n金融机构\n\n"
        "大力发展小微金融专营机构，台州市三家城商行在全国设立444家分支机构，全市设立小微\n"
        "企业专营机构和民间融资服务中心333家。\n\n台州市",
        "支持发展以中小微民营企业为主要服务对象的中小金融机构",
        [("台州市", "大力发展小微金融专营机构，台州市三家城商行在全国设立444家分支机构，全市设立小微"
                    "企业专营机构和民间融资服务中心333家。")],
        id="number-alone-name-on-three-lines",
    ),
    pytest.param(
        21,
        "21 创新开展民宿经营权贷款\n"
        "在全国率先开展民宿经营权抵押贷款试点工作，以“无形”资产作“有形”赋能的创新实践，畅\n"
        "通农村资产抵押质押融资链条。\n\n温州市",
        "创新开展民宿经营权贷款",
        [("温州市", "在全国率先开展民宿经营权抵押贷款试点工作，以“无形”资产作“有形”赋能的创新实践，畅"
                    "通农村资产抵押质押融资链条。")],
        id="name-followed-by-text-without-blank",
    ),
    pytest.param(
        2,
        "2 打造企业登记电子档案网\n上查询系统\n"
        "建设全市企业登记电子档案网上查询系统，该系统应用前沿的防伪技术和二维码验证，对\n"
        "接政府统一身份认证平台登录。\n\n成都市",
        "打造企业登记电子档案网上查询系统",
        [("成都市", "建设全市企业登记电子档案网上查询系统，该系统应用前沿的防伪技术和二维码验证，对"
                    "接政府统一身份认证平台登录。")],
        id="two-line-name-followed-by-text-without-blank",
    ),
    pytest.param(
        32,
        "32 出台支持民营企业发展的\n地方性立法\n青岛市：出台办法。\n温州市：开展立法工作。\n\n青岛市\n温州市",
        "出台支持民营企业发展的地方性立法",
        [("青岛市", "出台办法。"), ("温州市", "开展立法工作。")],
        id="short-city-paragraph-right-after-name",
    ),
    pytest.param(
        5,
        "5\n建立财政奖补资金快速拨\n付机制\n\n温州市：突破以往的传统方式。\n台州市：构建“政企通”云平台。\n\n温州市\n台州市",
        "建立财政奖补资金快速拨付机制",
        [("温州市", "突破以往的传统方式。"), ("台州市", "构建“政企通”云平台。")],
        id="number-alone-on-its-line",
    ),
    pytest.param(
        62,
        "62 设立民营企业维权平台\n\n泉州市：开设专席。\n温州市：统一平台。\n台州市：一键办。\n"
        "成都市：设立信箱。\n佛山市：开通专线。\n\n泉州市\n温州市\n台州市\n成都市\n佛山市",
        "设立民营企业维权平台",
        [("泉州市", "开设专席。"), ("温州市", "统一平台。"), ("台州市", "一键办。"),
         ("成都市", "设立信箱。"), ("佛山市", "开通专线。")],
        id="five-cities",
    ),
    pytest.param(
        1,
        "1 推进企业开办智能化、极\n简化\n\n"
        "佛山市：开办企业实现0成本、1环节办理，0.5天内办结。截至2021年8月底，佛山\n"
        "市实有各类市场主体104.64万户，与温州市、台州市相比增长较快，同比增长16.22%。\n"
        "江阴市签约的项目也在此列，并非新的段落。\n"
        "江阴市：推广“新办套餐”智能审批。\n\n佛山市\n江阴市",
        "推进企业开办智能化、极简化",
        [("佛山市", "开办企业实现0成本、1环节办理，0.5天内办结。截至2021年8月底，佛山"
                    "市实有各类市场主体104.64万户，与温州市、台州市相比增长较快，同比增长16.22%。"
                    "江阴市签约的项目也在此列，并非新的段落。"),
         ("江阴市", "推广“新办套餐”智能审批。")],
        id="city-mentioned-without-colon",
    ),
    pytest.param(
        57,
        "57 设立民营企业家专属节日\n\n青岛市：市委、市政府每年召开全市企业家大\n\n会或企业家座谈会。\n"
        "温州市：设立“民营企业家节”，增长25.3 %。   \n\n青岛市\n温州市",
        "设立民营企业家专属节日",
        [("青岛市", "市委、市政府每年召开全市企业家大会或企业家座谈会。"),
         ("温州市", "设立“民营企业家节”，增长25.3 %。")],
        id="page-break-and-stray-spaces",
    ),
    pytest.param(
        56,
        "56 完善民营企业参与国家重\n大战略实施机制\n\n1.支持民营企业参与长三角一体化。\n"
        "2.支持民营企业兴办社会事业，增长2.4%。其中\n2.4%为民办。\n3.支持乡村振兴。\n\n台州市",
        "完善民营企业参与国家重大战略实施机制",
        [("台州市", "1.支持民营企业参与长三角一体化。\n2.支持民营企业兴办社会事业，增长2.4%。其中"
                    "2.4%为民办。\n3.支持乡村振兴。")],
        id="numbered-paragraphs",
    ),
]


@pytest.mark.parametrize(("number", "block", "name", "entries"), LAYOUTS)
def test_synthetic_layouts(number: int, block: str, name: str, entries: list[tuple[str, str]]) -> None:
    text, starts = build_document({number: block})
    parsed = practice(parse_practices(text, filename="synthetic.txt"), number)
    assert parsed.name == name
    assert [(e.city, e.text) for e in parsed.entries] == entries
    assert parsed.source_cities == tuple(city for city, _ in entries)
    assert parsed.line_start == starts[number]
    assert parsed.line_end == starts[number] + block.count("\n")


def test_synthetic_document_without_overrides_is_valid() -> None:
    text, starts = build_document({})
    parsed = parse_practices(text, filename="synthetic.txt")
    assert parsed.title == "测试标题"
    assert [p.line_start for p in parsed.practices] == [starts[n] for n in range(1, 73)]
    assert [p.category_number for p in parsed.practices][10:13] == [1, 2, 2]


SYNTHETIC_ERRORS = [
    # (practice, block, line offset within the block, message fragment)
    pytest.param(3, "3\n\n" + FILLER + "\n\n青岛市", 0, "has no name", id="no-name"),
    pytest.param(3, "3 划定经营区\n该区试行有限度自由经营活动的试点\n\n青岛市", 1,
                 "too wide for the name column", id="ambiguous-name-or-text-line"),
    pytest.param(3, "3 划定“有限度自由经营区”和其他经营区域\n\n" + FILLER + "\n\n青岛市", 0,
                 "wider than the name column", id="name-on-number-line-too-long"),
    pytest.param(3, "3 划定经营区\n\n青岛市", 2, "has no text", id="no-text"),
    pytest.param(3, "3 划定经营区\n\n" + FILLER + "\n温州市：另一段。\n\n青岛市\n温州市", 3,
                 "first paragraph has no city prefix", id="prefix-after-unprefixed-text"),
    pytest.param(3, "3 划定经营区\n\n温州市：\n\n温州市", 2, "empty text", id="empty-city-paragraph"),
    pytest.param(3, "3 划定经营区\n\n温州市：一段。\n台州市：二段。\n\n温州市\n温州市", 6,
                 "appears twice", id="duplicate-source-city"),
    pytest.param(3, "3 划定经营区\n\n温州市：一段。\n台州市：二段。\n\n台州市\n温州市", 5,
                 "source column lists 台州市 where paragraph 1", id="source-order-swapped"),
    pytest.param(3, "3 划定经营区\n\n" + FILLER + "\n\n青岛市\n附注", 5,
                 "expected a city in the source column", id="non-city-in-source-column"),
    pytest.param(3, "3 划定经营区\n\n" + FILLER + "\n\n北京市", 4, "unknown city", id="unknown-source-city"),
    pytest.param(3, "3 划定经营区\n\n石家庄市：一段。\n\n石家庄市", 2, "unknown city", id="unknown-prefix-city"),
]


@pytest.mark.parametrize(("number", "block", "offset", "message"), SYNTHETIC_ERRORS)
def test_synthetic_errors(number: int, block: str, offset: int, message: str) -> None:
    text, starts = build_document({number: block})
    with pytest.raises(SourceParseError) as caught:
        parse_practices(text, filename="synthetic.txt")
    assert caught.value.line == starts[number] + offset
    assert message in caught.value.message
    assert str(caught.value).startswith(f"synthetic.txt:{starts[number] + offset}: ")


# --- corrupted copies of the real document ------------------------------------------


def corrupt(lines: list[str], replacements: dict[int, str]) -> str:
    """Replace 1-based lines; deleted content becomes blank lines so numbering is stable."""
    copy = list(lines)
    for number, replacement in replacements.items():
        copy[number - 1] = replacement
    return "\n".join(copy)


CORRUPTIONS = [
    pytest.param({n: "" for n in range(36, 47)}, 48, "expected practice 2, found 3", id="deleted-practice"),
    pytest.param({1307 + i: "" for i in range(12)}, 1305, "expected 72 practices, found 71",
                 id="deleted-last-practice"),
    pytest.param({257: "15 推行无还本续贷"}, 257, "expected practice 14, found 15", id="renumbered-practice"),
    pytest.param({36: "1 打造企业登记电子档案网"}, 36, "expected practice 2, found 1", id="repeated-number"),
    pytest.param({164: "温州市"}, 164, "source column lists 温州市 where paragraph 2", id="source-city-mismatch"),
    pytest.param({30: "江阴市", 31: "青岛市"}, 30, "source column lists 江阴市 where paragraph 1",
                 id="source-cities-swapped"),
    pytest.param({33: "成都市"}, 33, "source city 成都市 has no paragraph", id="extra-source-city"),
    pytest.param({32: ""}, 23, "佛山市 in practice 1 is missing from the source column", id="missing-source-city"),
    pytest.param({140: "泉州市"}, 140, "source column lists 2 cities", id="second-source-city-for-single-text"),
    pytest.param({30: "", 31: "", 32: ""}, 36, "practice 1 has no source column", id="missing-source-column"),
    pytest.param({33: "附注"}, 33, "expected a city in the source column", id="junk-after-source-column"),
    pytest.param({1318: "无锡市"}, 1318, "unknown city '无锡市'", id="unknown-source-city"),
    pytest.param({247: "苏州市：开展首贷攻坚行动。"}, 247, "unknown city '苏州市'", id="unknown-paragraph-city"),
    pytest.param({41: "泉州市：务方式，让“信息多跑路”"}, 41, "first paragraph has no city prefix",
                 id="prefix-inside-single-city-text"),
    pytest.param({595: ""}, 803, "expected category 三, found 四", id="missing-category"),
    pytest.param({1230: ""}, 1318, "expected 7 categories, found 6", id="missing-last-category"),
    pytest.param({803: "五、鼓励引导民营企业改革创新"}, 803, "expected category 四, found 五",
                 id="category-out-of-order"),
    pytest.param({10: "", 11: "", 13: "", 14: ""}, 15, "expected a category heading or a practice number",
                 id="stray-text-between-practices"),
    pytest.param({100: "", 101: ""}, 99, "practice 5 has no name", id="empty-name"),
    pytest.param({6: ""}, 8, "expected column header", id="missing-column-header"),
    pytest.param({1318: ""}, 1316, "practice 72 has no source column (来源) before the end of the file",
                 id="missing-last-source-column"),
    pytest.param({224: "二、破解民营企业融资难题"}, 225, "expected category 三, found 二", id="repeated-category"),
    pytest.param({223: "二、破解民营企业融资难题", 225: "三、优化平等保护民营企业和民营企业家合法权益的法治环境"}, 225,
                 "category 二 has no practices", id="empty-category"),
]


@pytest.mark.parametrize(("replacements", "line", "message"), CORRUPTIONS)
def test_corrupted_documents_are_rejected(
    source_lines: list[str], replacements: dict[int, str], line: int, message: str
) -> None:
    with pytest.raises(SourceParseError) as caught:
        parse_practices(corrupt(source_lines, replacements), filename=FILENAME)
    assert caught.value.line == line
    assert caught.value.filename == FILENAME
    assert message in caught.value.message
    assert str(caught.value) == f"{FILENAME}:{line}: {caught.value.message}"


def test_uncorrupted_copy_is_accepted(source_lines: list[str]) -> None:
    # Guards the corruption table: the helper itself must not break the document.
    parsed = parse_practices(corrupt(source_lines, {}), filename=FILENAME)
    assert len(parsed.practices) == 72


# --- the error type and the module boundary ---------------------------------------


def test_source_parse_error_format_and_pickling() -> None:
    error = SourceParseError("003_x.txt", 12, "bad line")
    assert isinstance(error, ValueError)
    assert (error.filename, error.line, error.message) == ("003_x.txt", 12, "bad line")
    assert str(error) == "003_x.txt:12: bad line"
    assert str(SourceParseError("003_x.txt", None, "empty")) == "003_x.txt: empty"
    restored = pickle.loads(pickle.dumps(error))
    assert (restored.filename, restored.line, restored.message) == ("003_x.txt", 12, "bad line")


def test_parse_file_uses_basename(tmp_path: Path) -> None:
    text, _ = build_document({})
    path = tmp_path / "copy.txt"
    path.write_text(text, encoding="utf-8")
    assert parse_practices_file(path).filename == "copy.txt"
    assert parse_practices_file(str(path)).filename == "copy.txt"


def test_module_imports_only_the_standard_library() -> None:
    tree = ast.parse(Path(parsing.__file__).read_text(encoding="utf-8"))
    imported = {
        alias.name.split(".")[0] for node in ast.walk(tree) if isinstance(node, ast.Import) for alias in node.names
    } | {node.module.split(".")[0] for node in ast.walk(tree) if isinstance(node, ast.ImportFrom) and node.module}
    assert imported
    assert imported <= set(sys.stdlib_module_names) | {"__future__"}


def test_importing_parser_does_not_load_django() -> None:
    code = (
        "import sys\n"
        "import practices.importer.parsing\n"
        "print(sorted(m for m in sys.modules if m.startswith('django')))\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True, timeout=60
    )
    assert result.stdout.strip() == "[]"
