"""Parser for source 003, 《支持民营企业改革发展的典型做法》 (text extracted from a PDF table).

Standard library only: this module must stay importable without Django.

Layout of the source
--------------------
After a preamble ("附件", the title, the column header "序号 名称 主要做法和成效 来源")
the file alternates between category headings ("一、完善……") and practices. A
practice is: its number (alone on its line, or followed by a space and the first
name fragment), the name wrapped in a narrow column, the text wrapped at about 43
characters, a blank line, and the source column (来源): one city per line, ended by
a blank line or the end of the file.

Rules chosen, and why
---------------------
* Practice numbers and category headings are only looked for *between* practices
  (after a source column). Text lines may begin with digits ("2021年…", "15天…",
  "2.4%…"), so scanning the text for numbers would invent practices.
* Name/text boundary. The name ends at the first blank line, or earlier at the
  first line that cannot belong to the name column: a line starting with a
  "XX市：" prefix, or a line longer than NAME_LINE_MAX characters. In this file
  name fragments are 1-13 characters long and text lines 30-53 (the first line of
  a text at least 38). A line whose length falls between NAME_LINE_MAX and
  TEXT_LINE_MIN fits neither column and is rejected rather than guessed. Only
  practice 21 has its text directly under the name; the "XX市：" test also covers
  a short first paragraph placed there.
* Source column. Inside a practice's text, a blank line followed by a line that
  is nothing but "XX市" starts the source column. Blank lines elsewhere in the
  text are page-break artifacts (e.g. line 1011 splits "企业家大|会" mid-word) and
  are dropped.
* Paragraphs. A line starting with "XX市：" opens a new city paragraph; the
  prefix is removed from the entry text. A city merely mentioned (no "：", or not
  at line start) stays in the text. If the first text line has no prefix the
  practice is single-city: one entry owns the whole text, and its only source
  city is the owner. A prefix appearing later in such a text is an error.
* Joining. Each line is stripped at both ends (the trailing run of spaces on line
  267 is extraction padding) and wrapped lines are concatenated with nothing in
  between, CJK text having no inter-word spaces. Spaces *inside* a line are kept
  verbatim, stray or not ("25.3 %", "全国 20 多个", "“供氧” “输血”"), so the text
  stays faithful to the source; cleaning them is left to a later, explicit step.
* Real paragraph breaks. The only breaks kept (as "\\n") are list items: a line
  beginning "1." / "2." (a digit and a dot not followed by another digit) right
  after a line ending in "。" — practice 56 is three such numbered paragraphs. A
  short line before a line starting with a number is NOT taken as a break: the
  PDF extraction routinely pushes a whole number run onto the next line
  ("延长至|15天", "降至|2.4%", "风险。|2021年"), so line width alone proves nothing.

Validation: 7 categories 一..七 in order, each with at least one practice; 72
practices numbered 1..72 in order; every city known; names and texts not empty;
the source column lists exactly the paragraph cities, in the same order, without
duplicates. Every deviation raises SourceParseError naming the file and line.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from os import PathLike
from pathlib import Path

__all__ = [
    "KNOWN_CITIES",
    "ParsedCatalogue",
    "ParsedCategory",
    "ParsedEntry",
    "ParsedPractice",
    "SourceParseError",
    "parse_practices",
    "parse_practices_file",
]

KNOWN_CITIES: tuple[str, ...] = (
    "青岛市", "江阴市", "佛山市", "成都市", "温州市", "台州市", "泉州市", "常州市",
)
EXPECTED_CATEGORIES = 7
EXPECTED_PRACTICES = 72
HEADER = "序号 名称 主要做法和成效 来源"
NAME_LINE_MAX = 15
TEXT_LINE_MIN = 25

_NUMERALS = "一二三四五六七八九十"
_CATEGORY_RE = re.compile(rf"^([{_NUMERALS}])、(\S.*)$")
_NUMBER_RE = re.compile(r"^(\d{1,3})(?:[ \u3000]+(\S.*))?$")
# Up to four characters before 市 so that unknown cities ("石家庄市：") are caught
# and reported instead of silently becoming text.
_CITY_LINE_RE = re.compile(r"^[\u4e00-\u9fff]{1,4}市$")
_CITY_PREFIX_RE = re.compile(r"^([\u4e00-\u9fff]{1,4}市)：")
_LIST_ITEM_RE = re.compile(r"^\d{1,2}\.(?!\d)")


@dataclass(frozen=True)
class ParsedCategory:
    number: int
    name: str
    line: int


@dataclass(frozen=True)
class ParsedEntry:
    city: str
    position: int
    text: str
    line_start: int
    line_end: int


@dataclass(frozen=True)
class ParsedPractice:
    number: int
    name: str
    category_number: int
    entries: tuple[ParsedEntry, ...]
    source_cities: tuple[str, ...]
    line_start: int
    line_end: int
    raw_text: str


@dataclass(frozen=True)
class ParsedCatalogue:
    filename: str
    title: str
    categories: tuple[ParsedCategory, ...]
    practices: tuple[ParsedPractice, ...]


class SourceParseError(ValueError):
    """Raised for any deviation; str() names the file and 1-based line: '003_...txt:123: message'."""

    def __init__(self, filename: str, line: int | None, message: str) -> None:
        self.filename = filename
        self.line = line
        self.message = message
        location = filename if line is None else f"{filename}:{line}"
        super().__init__(f"{location}: {message}")

    def __reduce__(self) -> tuple[type[SourceParseError], tuple[str, int | None, str]]:
        # The default reduce would call __init__ with the formatted string only.
        return (type(self), (self.filename, self.line, self.message))


@dataclass
class _Paragraph:
    city: str | None  # None: single-city text without a "XX市：" prefix
    lines: list[tuple[int, str]]


class _Parser:
    def __init__(self, text: str, filename: str) -> None:
        self.filename = filename
        # split("\n") rather than splitlines(): the latter also splits on form
        # feeds and other separators, which would shift line numbers.
        self.lines = [line.rstrip("\r") for line in text.split("\n")]
        self.categories: list[ParsedCategory] = []
        self.practices: list[ParsedPractice] = []

    def error(self, line: int | None, message: str) -> SourceParseError:
        return SourceParseError(self.filename, line, message)

    def text_at(self, index: int) -> str:
        return self.lines[index].strip() if index < len(self.lines) else ""

    def last_content_line(self) -> int:
        """Where to point errors about something missing at the end of the file."""
        return max((i + 1 for i, raw in enumerate(self.lines) if raw.strip()), default=1)

    def parse(self) -> ParsedCatalogue:
        index, title = self.parse_preamble()
        while index < len(self.lines):
            line = self.text_at(index)
            if not line:
                index += 1
            elif (category := _CATEGORY_RE.match(line)) is not None:
                self.add_category(category, index + 1)
                index += 1
            elif (number := _NUMBER_RE.match(line)) is not None:
                index = self.parse_practice(index, int(number.group(1)), number.group(2))
            else:
                raise self.error(index + 1, f"expected a category heading or a practice number, found {line!r}")
        self.check_totals()
        return ParsedCatalogue(self.filename, title, tuple(self.categories), tuple(self.practices))

    def parse_preamble(self) -> tuple[int, str]:
        content = [i for i, raw in enumerate(self.lines) if raw.strip()]
        if content and self.text_at(content[0]) == "附件":
            content = content[1:]
        if len(content) < 2:
            raise self.error(None, "missing title and column header")
        title_index, header_index = content[0], content[1]
        if _CATEGORY_RE.match(self.text_at(title_index)):
            raise self.error(title_index + 1, "missing title before the first category")
        header = " ".join(self.text_at(header_index).split())
        if header != HEADER:
            raise self.error(header_index + 1, f"expected column header {HEADER!r}, found {header!r}")
        return header_index + 1, self.text_at(title_index)

    def add_category(self, match: re.Match[str], line: int) -> None:
        expected = len(self.categories) + 1
        number = _NUMERALS.index(match.group(1)) + 1
        if number != expected:
            raise self.error(line, f"expected category {_NUMERALS[expected - 1]}, found {match.group(1)}")
        if self.categories and not any(p.category_number == expected - 1 for p in self.practices):
            raise self.error(line, f"category {_NUMERALS[expected - 2]} has no practices")
        self.categories.append(ParsedCategory(number, match.group(2).strip(), line))

    def check_totals(self) -> None:
        last = self.last_content_line()
        if len(self.categories) != EXPECTED_CATEGORIES:
            raise self.error(last, f"expected {EXPECTED_CATEGORIES} categories, found {len(self.categories)}")
        if len(self.practices) != EXPECTED_PRACTICES:
            raise self.error(last, f"expected {EXPECTED_PRACTICES} practices, found {len(self.practices)}")

    def parse_practice(self, index: int, number: int, first_fragment: str | None) -> int:
        start = index + 1
        expected = len(self.practices) + 1
        if number != expected:
            raise self.error(start, f"expected practice {expected}, found {number}")
        if number > EXPECTED_PRACTICES:
            raise self.error(start, f"unexpected practice {number}: the catalogue has {EXPECTED_PRACTICES}")
        if not self.categories:
            raise self.error(start, f"practice {number} comes before any category heading")
        name, index = self.parse_name(index, number, first_fragment)
        body, index = self.parse_body(index, number)
        # Paragraphs before sources so that errors are reported in file order.
        paragraphs = self.split_paragraphs(body)
        sources, index = self.parse_sources(index)
        entries = self.build_entries(number, paragraphs, sources)
        end = sources[-1][0]
        self.practices.append(ParsedPractice(
            number=number,
            name=name,
            category_number=self.categories[-1].number,
            entries=entries,
            source_cities=tuple(city for _, city in sources),
            line_start=start,
            line_end=end,
            raw_text="\n".join(self.lines[start - 1:end]),
        ))
        return index

    def parse_name(self, index: int, number: int, first_fragment: str | None) -> tuple[str, int]:
        fragments = [] if first_fragment is None else [first_fragment.strip()]
        if fragments and len(fragments[0]) > NAME_LINE_MAX:
            raise self.error(index + 1, f"name fragment of {len(fragments[0])} characters is wider than the name column")
        index += 1
        while (line := self.text_at(index)) and self.is_name_line(line, index + 1):
            fragments.append(line)
            index += 1
        if not fragments:
            raise self.error(index, f"practice {number} has no name")
        return "".join(fragments), index

    def is_name_line(self, line: str, line_number: int) -> bool:
        """Tell a wrapped name fragment from the first line of text (no blank line between them)."""
        if _CITY_PREFIX_RE.match(line):
            return False
        if len(line) <= NAME_LINE_MAX:
            return True
        if len(line) >= TEXT_LINE_MIN:
            return False
        raise self.error(
            line_number,
            f"line of {len(line)} characters is too wide for the name column "
            f"and too short for a wrapped text line",
        )

    def parse_body(self, index: int, number: int) -> tuple[list[tuple[int, str]], int]:
        body: list[tuple[int, str]] = []
        after_blank = False
        while index < len(self.lines):
            line = self.text_at(index)
            if not line:
                after_blank = True
            elif after_blank and _CITY_LINE_RE.match(line):
                if not body:
                    raise self.error(index + 1, f"practice {number} has no text")
                return body, index
            else:
                # A heading right after a blank line means the source column went missing.
                next_number = _NUMBER_RE.match(line)
                if after_blank and (
                    _CATEGORY_RE.match(line)
                    or (next_number is not None and int(next_number.group(1)) == number + 1)
                ):
                    raise self.error(index + 1, f"practice {number} has no source column (来源) before this heading")
                body.append((index + 1, line))
                after_blank = False
            index += 1
        raise self.error(
            self.last_content_line(), f"practice {number} has no source column (来源) before the end of the file"
        )

    def parse_sources(self, index: int) -> tuple[list[tuple[int, str]], int]:
        sources: list[tuple[int, str]] = []
        while line := self.text_at(index):
            if not _CITY_LINE_RE.match(line):
                raise self.error(index + 1, f"expected a city in the source column, found {line!r}")
            self.check_city(line, index + 1)
            if any(city == line for _, city in sources):
                raise self.error(index + 1, f"{line} appears twice in the source column")
            sources.append((index + 1, line))
            index += 1
        return sources, index

    def check_city(self, city: str, line: int) -> None:
        if city not in KNOWN_CITIES:
            raise self.error(line, f"unknown city {city!r}")

    def split_paragraphs(self, body: list[tuple[int, str]]) -> list[_Paragraph]:
        paragraphs: list[_Paragraph] = []
        for line_number, line in body:
            prefix = _CITY_PREFIX_RE.match(line)
            if prefix is not None:
                self.check_city(prefix.group(1), line_number)
                if paragraphs and paragraphs[0].city is None:
                    raise self.error(
                        line_number,
                        f"paragraph for {prefix.group(1)} in a text whose first paragraph has no city prefix",
                    )
                paragraphs.append(_Paragraph(prefix.group(1), [(line_number, line[prefix.end():])]))
            elif paragraphs:
                paragraphs[-1].lines.append((line_number, line))
            else:
                paragraphs.append(_Paragraph(None, [(line_number, line)]))
        return paragraphs

    def build_entries(
        self, number: int, paragraphs: list[_Paragraph], sources: list[tuple[int, str]]
    ) -> tuple[ParsedEntry, ...]:
        if paragraphs[0].city is None and len(sources) != 1:
            raise self.error(
                sources[1][0],
                f"practice {number} has no 'XX市：' paragraphs but its source column lists {len(sources)} cities",
            )
        if paragraphs[0].city is not None:
            self.check_source_order(number, paragraphs, sources)
        entries = []
        for position, paragraph in enumerate(paragraphs, start=1):
            # A single-city text has no prefix: its one source city owns it.
            city = paragraph.city or sources[0][1]
            text = _join_lines([line for _, line in paragraph.lines])
            first, last = paragraph.lines[0][0], paragraph.lines[-1][0]
            if not text.strip():
                raise self.error(first, f"empty text for {city} in practice {number}")
            entries.append(ParsedEntry(city, position, text, first, last))
        return tuple(entries)

    def check_source_order(
        self, number: int, paragraphs: list[_Paragraph], sources: list[tuple[int, str]]
    ) -> None:
        for position, (paragraph, (line, city)) in enumerate(zip(paragraphs, sources, strict=False), start=1):
            if paragraph.city != city:
                raise self.error(
                    line,
                    f"source column lists {city} where paragraph {position} of practice {number} is for {paragraph.city}",
                )
        if len(sources) > len(paragraphs):
            line, city = sources[len(paragraphs)]
            raise self.error(line, f"source city {city} has no paragraph in practice {number}")
        if len(paragraphs) > len(sources):
            extra = paragraphs[len(sources)]
            raise self.error(
                extra.lines[0][0],
                f"paragraph for {extra.city} in practice {number} is missing from the source column",
            )


def _join_lines(lines: list[str]) -> str:
    """Join wrapped lines without spaces, keeping a "\\n" before numbered list items."""
    parts: list[str] = []
    for line in lines:
        if parts and parts[-1].endswith("。") and _LIST_ITEM_RE.match(line):
            parts.append("\n")
        parts.append(line)
    return "".join(parts)


def parse_practices(text: str, *, filename: str) -> ParsedCatalogue:
    """Parse the whole document; raise SourceParseError on any deviation."""
    return _Parser(text, filename).parse()


def parse_practices_file(path: str | PathLike[str]) -> ParsedCatalogue:
    """Read a UTF-8 file (a BOM is tolerated) and parse it under its base name."""
    source = Path(path)
    return parse_practices(source.read_text(encoding="utf-8-sig"), filename=source.name)
