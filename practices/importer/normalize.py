"""Pure text helpers for the case-report importer (no Django, no I/O).

The sources are newspaper pages and reports extracted from PDFs, so their
text carries layout artefacts rather than authorial choices:

* column lines are wrapped with newlines, and Chinese is written without
  spaces, so wrapped lines are joined with no separator;
* a column break inserts a blank line that can fall in the middle of a
  sentence (even of a word: "上述案" / "例正是"); a real paragraph ends with
  sentence-final punctuation, so a "paragraph" that does not is glued to the
  next one;
* bold headlines are drawn twice and come out doubled, run by run
  ("山西护航晋商高质量山西护航晋商高质量““出海出海””");
* pinyin annotations follow characters in one source ("聯(lián)");
* justified lines are padded with spaces between CJK characters.

Every function returns plain ``str`` / ``list[str]`` / ``bool`` and never
mutates its input.
"""

from __future__ import annotations

import re
from functools import lru_cache

__all__ = [
    "PINYIN_ANNOTATION",
    "collapse_cjk_spaces",
    "clean_heading",
    "dedouble",
    "ends_paragraph",
    "has_traditional",
    "join_wrapped_lines",
    "repair_column_breaks",
    "split_paragraphs",
    "strip_pinyin",
    "to_simplified",
    "traditional_chars",
]

_CJK = r"\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\U00020000-\U0002ebef"
# CJK punctuation, fullwidth forms and the curly quotes/dashes/ellipsis that
# Chinese typesetting uses: none of them wants a space next to it.
_CJK_PUNCT = r"\u3000-\u303f\uff00-\uffef\u2014\u2018-\u201d\u2026\u00b7"
_CJK_CHAR = re.compile(f"[{_CJK}]")

# A sentence (hence a paragraph) ends with one of these, optionally followed by
# closing quotes or brackets: 。  ……  ？”  ！）
_PARAGRAPH_END = re.compile(r"[。！？!?…][”’」』）)\]]*\s*$")

# Spaces next to a CJK character or CJK punctuation are justification padding
# ("累 计 捐 赠", "2021年 7月"); spaces between two Latin words are real.
_CJK_SPACE = re.compile(f"[ \\t\\u3000]+(?=[{_CJK}{_CJK_PUNCT}])|(?<=[{_CJK}{_CJK_PUNCT}])[ \\t\\u3000]+")

_TONE_MARKS = "āáǎàēéěèīíǐìōóǒòūúǔùǖǘǚǜńňǹḿ"
# A pinyin annotation: ASCII or fullwidth parentheses right after a CJK
# character, holding one lowercase syllable with a tone mark. Requiring the
# tone mark is what keeps real parentheses such as （2021年）, (合肥) or (AI).
PINYIN_ANNOTATION = re.compile(f"(?<=[{_CJK}])[(（][a-zü{_TONE_MARKS}]*[{_TONE_MARKS}][a-zü{_TONE_MARKS}]*[)）]")

# Characters OpenCC t2s rewrites even though the 通用规范汉字表 keeps them as
# standard simplified characters (於 surname, 乾 in 乾县, 徵 the note, 夥 "many",
# 麽 in 幺麽, 吒 in 哪吒). Their presence alone does not prove traditional text.
_SIMPLIFIED_TOO = frozenset("於乾徵夥麽吒")

_QUOTE_PUNCT = frozenset("“”‘’「」『』《》〈〉()（）【】\"'")


def ends_paragraph(text: str) -> bool:
    """Return True if ``text`` ends with sentence-final punctuation.

    Used to tell a real paragraph end from a column break: a block that stops
    on "进一步" or "上述案" is continued in the next block.
    """
    return bool(_PARAGRAPH_END.search(text))


def join_wrapped_lines(text: str) -> str:
    """Join the lines of one wrapped block into a single line.

    Chinese needs no separator; a single space is kept only where two Latin
    letters or digits meet across the break ("Spec" / "7" stay apart).
    Returns the joined line, stripped.
    """
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    out = ""
    for line in lines:
        if out and out[-1].isascii() and out[-1].isalnum() and line[0].isascii() and line[0].isalnum():
            out += " "
        out += line
    return out


def repair_column_breaks(paragraphs: list[str]) -> list[str]:
    """Glue each paragraph that does not end a sentence onto the next one.

    A column break in the middle of a sentence (or word: "上述案" + "例正是")
    looks like a paragraph break in extracted text. Returns a new list; the
    last paragraph is kept even when it is unterminated.
    """
    repaired: list[str] = []
    pending = ""
    for paragraph in paragraphs:
        pending += paragraph
        if ends_paragraph(pending):
            repaired.append(pending)
            pending = ""
    if pending:
        repaired.append(pending)
    return repaired


def split_paragraphs(text: str, *, one_line_per_paragraph: bool = False) -> list[str]:
    """Split a raw text piece into clean paragraphs.

    ``one_line_per_paragraph=False`` (newspaper columns): lines are wrapped,
    blank lines separate blocks, blocks broken by a column are repaired.
    ``True`` (reports): every non-blank line is a paragraph.
    Returns the non-empty paragraphs, each a single line with justification
    spaces removed.
    """
    if one_line_per_paragraph:
        # Lines ending in ":" or without punctuation (section headings) are
        # real paragraphs here, so nothing is repaired.
        paragraphs = [line.strip() for line in text.splitlines() if line.strip()]
    else:
        blocks = [b for b in re.split(r"\n[ \t\u3000]*\n", text) if b.strip()]
        paragraphs = repair_column_breaks([join_wrapped_lines(block) for block in blocks])
    return [collapse_cjk_spaces(p) for p in paragraphs]


def collapse_cjk_spaces(text: str) -> str:
    """Remove spaces adjacent to CJK characters or CJK punctuation.

    "会 2020 年 累 计" -> "会2020年累计"; "API Spec 7" is untouched.
    """
    return _CJK_SPACE.sub("", text)


def dedouble(text: str) -> str:
    """Undo the doubling of a bold headline; return ``text`` itself if not doubled.

    A doubled headline is the original cut into runs, each run printed twice:
    "ABAB" (one run), or "山西…质量山西…质量" + "““" + "出海出海" + "””" (runs split
    at quote marks). A run of one character is accepted only for punctuation,
    so "谢谢" or "天天" are never halved. Returns the single form.
    """
    stripped = text.strip()
    n = len(stripped)
    if n < 2:
        return text
    # best[i]: the undoubled form of stripped[i:], or None if impossible.
    best: list[str | None] = [None] * (n + 1)
    best[n] = ""
    for i in range(n - 1, -1, -1):
        for k in range(1, (n - i) // 2 + 1):
            rest = best[i + 2 * k]
            if rest is None or stripped[i : i + k] != stripped[i + k : i + 2 * k]:
                continue
            if k == 1 and stripped[i] not in _QUOTE_PUNCT:
                continue
            best[i] = stripped[i : i + k] + rest
            break
    result = best[0]
    return result if result is not None else text


def clean_heading(text: str) -> str:
    """Return a headline, kicker or byline as printed, on one line.

    Markdown heading marks ("## ") are dropped, wrapped lines joined, outer
    whitespace stripped; inner spaces are kept ("听懂企业故事 解决企业心事").
    Doubling is NOT undone here: see :func:`dedouble`.
    """
    lines = [re.sub(r"^\s*#+\s*", "", line).strip() for line in text.splitlines()]
    return "".join(line for line in lines if line)


def strip_pinyin(text: str) -> str:
    """Remove pinyin annotations such as 聯(lián) or 業（yè）, keep real parentheses."""
    return PINYIN_ANNOTATION.sub("", text)


@lru_cache(maxsize=1)
def _t2s():  # -> opencc.OpenCC
    # Built once per process and only on first use: loading the dictionaries
    # costs time, and most callers never meet traditional text.
    import opencc

    return opencc.OpenCC("t2s")


def to_simplified(text: str) -> str:
    """Convert traditional Chinese to simplified with OpenCC t2s (phrase-aware)."""
    return _t2s().convert(text)


def traditional_chars(text: str) -> list[str]:
    """Return the CJK characters of ``text`` that t2s would rewrite, in order.

    The whole text is converted at once so phrase rules apply (乾隆, 哪吒 stay);
    characters that are also standard simplified (see ``_SIMPLIFIED_TOO``) are
    not reported.
    """
    converted = to_simplified(text)
    if len(converted) == len(text):
        pairs = zip(text, converted, strict=True)
    else:  # a phrase changed length: fall back to character by character
        pairs = ((c, to_simplified(c)) for c in text)
    return [a for a, b in pairs if a != b and _CJK_CHAR.match(a) and a not in _SIMPLIFIED_TOO]


def has_traditional(text: str) -> bool:
    """Return True if ``text`` holds at least one traditional-only character."""
    return bool(traditional_chars(text))
