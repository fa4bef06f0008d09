"""Reads about case reports and the source documents (the about page)."""
from __future__ import annotations

import re

from django.db.models import Count, F, OuterRef, Prefetch, QuerySet, Subquery
from django.db.models.functions import Coalesce

from ..models import CaseReport, City, Practice, RelatedPractice, SourceDocument, Status

# Lines this short without closing punctuation are the article's subheadings.
SUBHEADING_MAX_LENGTH = 30
_SENTENCE_END = re.compile(r"[。！？!?…；;：:”」）)]$")


# A report's URL reads its source's slug (CaseReport.get_absolute_url): lists of
# reports join the source, without its heavy columns.
SOURCE_HEAVY_FIELDS = ("source__raw_text", "source__non_article_parts")


def case_report_list_rows(*, reports: QuerySet[CaseReport]) -> QuerySet[CaseReport]:
    """``reports`` ready to display: province, source, cities and categories loaded (three queries per page)."""
    return reports.select_related("province", "source").defer("source_spans", *SOURCE_HEAVY_FIELDS).prefetch_related(
        Prefetch("cities", queryset=City.objects.order_by("adcode")), "categories",
    )


def case_report_detail(*, source_slug: str, position: int) -> CaseReport:
    """The published case report at ``position`` in the source ``source_slug``, for its page.

    Loaded: province, source (no raw text), cities and categories. Raises
    CaseReport.DoesNotExist. Three queries.
    """
    return (
        CaseReport.objects.published().select_related("province", "source").defer(*SOURCE_HEAVY_FIELDS)
        .prefetch_related(Prefetch("cities", queryset=City.objects.order_by("adcode")), "categories")
        .get(source__slug=source_slug, position=position)
    )


def case_report_by_id(*, pk: int) -> CaseReport:
    """The published case report with id ``pk``, only what its URL needs (for the old id URLs).

    Raises CaseReport.DoesNotExist. One query.
    """
    return CaseReport.objects.published().select_related("source").only("position", "source__slug").get(pk=pk)


def case_report_related_practices(*, report: CaseReport) -> list[RelatedPractice]:
    """Published practices related to ``report``: confirmed first, then by score; rejected left out.

    Each link has its practice and category loaded. One query.
    """
    return list(
        RelatedPractice.objects.shown().filter(case_report=report, practice__status=Status.PUBLISHED)
        .select_related("practice__category").defer("practice__raw_text")
        .order_by(F("confirmed").desc(nulls_last=True), "-score", "rank")
    )


def case_report_paragraphs(*, report: CaseReport) -> list[dict]:
    """The body as [{"text": str, "heading": bool}, …]: blank lines separate paragraphs.

    A short paragraph without closing punctuation is a subheading. No query.
    """
    paragraphs = []
    for block in re.split(r"\n\s*\n|\n", report.body or ""):
        text = block.strip()
        if not text:
            continue
        heading = len(text) <= SUBHEADING_MAX_LENGTH and not _SENTENCE_END.search(text)
        paragraphs.append({"text": text, "heading": heading})
    return paragraphs


# What turned each kind of source into records (shown on the about page).
PARSERS = {
    SourceDocument.Kind.PRACTICE_LIST: "practices/importer/parsing.py",
    SourceDocument.Kind.NEWSPAPER: "practices/importer/reports.py + fixtures/manifests/{stem}.toml",
    SourceDocument.Kind.REPORT: "practices/importer/reports.py + fixtures/manifests/{stem}.toml",
}


def source_list() -> list[SourceDocument]:
    """Every source document (raw text not loaded), in filename order. One query.

    Each has ``practice_count`` and ``case_report_count`` (published records
    drawn from it) and ``parsed_by`` (the parser module and manifest).
    """
    # A correlated count each: joining both relations at once multiplies them (the synthetic source
    # of a 100k catalogue: 100,000 practices × 5,010 reports, minutes of work for two numbers).
    def published_count(model) -> Coalesce:
        rows = model.objects.filter(source=OuterRef("pk"), status=Status.PUBLISHED).order_by()
        return Coalesce(Subquery(rows.values("source").annotate(n=Count("pk")).values("n")[:1]), 0)

    sources = list(
        SourceDocument.objects.defer("raw_text", "non_article_parts").annotate(
            practice_count=published_count(Practice), case_report_count=published_count(CaseReport),
        ).order_by("filename")
    )
    for source in sources:
        stem = source.filename.rsplit(".", 1)[0]
        source.parsed_by = PARSERS.get(source.kind, "").format(stem=stem)
    return sources


