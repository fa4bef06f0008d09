"""Property tests: any text gives a result or a clear parse error, never another exception.

The number of examples comes from the hypothesis profile registered in
tests/conftest.py: "ci" (selected by `make test` and CI) runs 2,000 per
property, 10,000 in all; "dev" (the default) runs 100 for a quick local loop.
These tests are pure: `make test` runs them once, in the SQLite pass.
"""
from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from practices.importer import normalize, places
from practices.importer.metrics import extract_metrics
from practices.importer.parsing import ParsedCatalogue, SourceParseError, parse_practices
from practices.importer.reports import ManifestError, ParsedReportDocument, load_manifest, parse_report_document

pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parents[2]
SOURCES = ROOT / "fixtures" / "sources"
PRACTICES = (SOURCES / "003_0afe494a00c202ac.txt").read_text(encoding="utf-8")
REPORT = (SOURCES / "004_5920e912d40b6210.txt").read_text(encoding="utf-8")
MANIFEST = load_manifest(ROOT / "fixtures" / "manifests" / "004_5920e912d40b6210.toml")
LINES = PRACTICES.split("\n")


# Text that looks like the sources: real lines, digits, units, CJK and noise.
chinese = st.text(alphabet=st.sampled_from("市：、，。％%万亿元户家个天年月日超近约余多以上逾0123456789.-至（）“”\n 青岛温州融资"),
                  max_size=200)
any_text = st.one_of(st.text(max_size=300), chinese)


@st.composite
def mutated_practices(draw) -> str:
    """The real 003 text with a few lines replaced, dropped, duplicated or swapped."""
    lines = list(LINES)
    for _ in range(draw(st.integers(1, 4))):
        index = draw(st.integers(0, len(lines) - 1))
        action = draw(st.sampled_from(["replace", "drop", "duplicate", "swap"]))
        if action == "replace":
            lines[index] = draw(st.one_of(any_text, st.sampled_from(LINES)))
        elif action == "drop":
            del lines[index]
        elif action == "duplicate":
            lines.insert(index, lines[index])
        else:
            other = draw(st.integers(0, len(lines) - 1))
            lines[index], lines[other] = lines[other], lines[index]
    return "\n".join(lines)


@given(st.one_of(any_text, mutated_practices()))
def test_the_practice_parser_returns_or_raises_a_located_error(text):
    try:
        result = parse_practices(text, filename="003_0afe494a00c202ac.txt")
    except SourceParseError as error:
        assert str(error).startswith("003_0afe494a00c202ac.txt")
    else:
        assert isinstance(result, ParsedCatalogue)
        assert len(result.practices) == 72


@given(any_text)
def test_the_metric_extractor_never_fails_and_keeps_offsets(text):
    for metric in extract_metrics(text):
        assert text[metric.start:metric.end] == metric.raw
        assert isinstance(metric.value, Decimal) and isinstance(metric.normalized_value, Decimal)


@st.composite
def mutated_report(draw) -> str:
    start = draw(st.integers(0, len(REPORT)))
    end = draw(st.integers(start, min(len(REPORT), start + 50)))
    return REPORT[:start] + draw(any_text) + REPORT[end:]


@given(mutated_report())
def test_the_report_segmenter_returns_or_raises_a_named_error(raw):
    try:
        result = parse_report_document(raw, MANIFEST, filename="004_5920e912d40b6210.txt")
    except ManifestError as error:
        assert "004_5920e912d40b6210.txt" in str(error)
    else:
        assert isinstance(result, ParsedReportDocument)


@given(any_text)
def test_normalisers_are_total(text):
    assert isinstance(normalize.join_wrapped_lines(text), str)
    assert isinstance(normalize.dedouble(text), str)
    stripped = normalize.strip_pinyin(text)
    assert isinstance(stripped, str) and len(stripped) <= len(text)
    assert isinstance(normalize.to_simplified(text), str)
    assert isinstance(normalize.has_traditional(text), bool)


@given(any_text)
def test_place_recognition_is_total(text):
    for place in places.find_places(text):
        assert place.province and place.adcode
