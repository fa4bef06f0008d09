"""The records a case-report source is segmented into, and the vocabulary its manifests use.

Kept apart from the segmenter (:mod:`practices.importer.reports`) so that the
loaders, the fixtures and the tests can name these types without the
span-matching machinery. No Django here.
"""

from __future__ import annotations

from dataclasses import dataclass

REPORT_SOURCES: tuple[str, ...] = (
    "000_8012fb836a8dc870.txt",
    "001_89178abc7061ee5b.txt",
    "002_8e4d4544b0229087.txt",
    "004_5920e912d40b6210.txt",
)

KINDS = frozenset({"newspaper", "report"})
LAYOUTS = frozenset({"columns", "lines"})
HEADING_ROLES = ("kicker", "title", "subtitle", "byline")
# "intertitle": a section heading inside the body, kept as its own paragraph
# with its spaces ("扩大覆盖面 作出新贡献"); "text": running text.
BODY_ROLES = ("text", "intertitle")

# Province-level divisions by full name, so a typo in a manifest fails loudly.
PROVINCES = frozenset(
    """北京市 天津市 上海市 重庆市 河北省 山西省 辽宁省 吉林省 黑龙江省 江苏省 浙江省
    安徽省 福建省 江西省 山东省 河南省 湖北省 湖南省 广东省 海南省 四川省 贵州省 云南省
    陕西省 甘肃省 青海省 台湾省 内蒙古自治区 广西壮族自治区 西藏自治区 宁夏回族自治区
    新疆维吾尔自治区 香港特别行政区 澳门特别行政区""".split()
)


class ManifestError(ValueError):
    """A manifest does not fit its source; str() names the file and the failing part."""


@dataclass(frozen=True)
class ParsedCaseReport:
    """One article. ``spans`` are [start, end) offsets into the raw source."""

    position: int
    title: str
    subtitle: str
    kicker: str
    byline: str
    province: str
    body: str
    spans: tuple[tuple[int, int], ...]
    # Reviewed cities the article is about (full names); None: not reviewed.
    cities: tuple[str, ...] | None = None


@dataclass(frozen=True)
class NonArticlePart:
    """A part of the source that is not article text (banner, caption, ...)."""

    label: str
    text: str
    spans: tuple[tuple[int, int], ...]


@dataclass(frozen=True)
class ParsedReportDocument:
    """A whole source: metadata, articles in order, and the non-article parts."""

    filename: str
    title: str
    kind: str
    publisher: str
    date: str
    articles: tuple[ParsedCaseReport, ...]
    non_article_parts: tuple[NonArticlePart, ...]
