"""Indexed full-text search (practices/search/) on the real catalogue, on SQLite (FTS5) and PostgreSQL (GIN).

The expected results below are literal and the same for both databases: the
suite runs once on each, so passing twice means both engines agree.
"""
from __future__ import annotations

from io import StringIO

import pytest
from django.conf import settings
from django.core.management import CommandError, call_command
from django.core.paginator import Paginator
from django.db import connection
from django.db.models import Func, TextField
from django.http import QueryDict
from django.template import Context, Template
from django.test.utils import CaptureQueriesContext
from django.utils.safestring import SafeString

from practices import search
from practices.filters import CaseReportFilterSet, PracticeFilterSet
from practices.fixture_export import FIXTURE_MODELS
from practices.importer.search_text import query_terms, search_document
from practices.models import CaseReport, Practice, PracticeEntry
from practices.selectors import practice_facets

pytestmark = pytest.mark.django_db


def found(q: str, queryset=None) -> list[int]:
    """Practice numbers matching ``q``, best first."""
    queryset = Practice.objects.published() if queryset is None else queryset
    return [p.number for p in search.practice_search(queryset, q=q)]


def report_keys(q: str) -> set[tuple[str, int]]:
    rows = search.case_report_search(CaseReport.objects.published(), q=q).select_related("source")
    return {(r.source.filename[:3], r.position) for r in rows}


# (query, matching practices, practices whose name holds every word, matching case reports (source, position))
EXPECTED = [
    ("融资", {2, 12, 13, 14, 15, 17, 18, 19, 20, 21, 22, 23, 24, 25, 26, 28, 29, 30, 31, 55, 62, 63},
     {17, 19, 20, 24, 25, 26, 29},
     {("000", 1), ("000", 3), ("001", 2), ("002", 1), ("004", 1), ("004", 2), ("004", 4), ("004", 5)}),
    ("无还本续贷", {14}, {14}, set()),
    ("知识产权", {20, 42, 44}, {20, 42}, {("004", 4)}),
    ("首贷", {13, 17, 18, 27}, {13}, set()),
    ("亲清", {5, 32, 60, 61, 64}, {61}, {("000", 1), ("000", 2), ("001", 2)}),
    ("转贷 续贷", {14}, set(), set()),
    ("温州指数", {29}, {29}, {("000", 2)}),
    ("MBA", {58}, set(), set()),            # Latin, upper case in the text
    ("app", set(), set(), {("000", 3)}),   # Latin, lower case in the query, APP in the text
    ("，。！", set(), set(), set()),          # punctuation only
    ("完全不存在的词组", set(), set(), set()),
]


@pytest.mark.parametrize(("q", "practices", "in_name", "reports"), EXPECTED)
def test_search_finds_exactly_the_expected_records(catalogue, q, practices, in_name, reports):
    rows = list(search.practice_search(Practice.objects.published(), q=q))
    assert {p.number for p in rows} == practices
    assert {p.number for p in rows if p.search_rank >= 1} == in_name
    assert report_keys(q) == reports


@pytest.mark.parametrize("q", ["融资", "知识产权", "亲清", "首贷", "企业", "小微", "数字化", "营商环境", "转贷 续贷", "APP"])
def test_results_are_exactly_the_records_holding_every_word(catalogue, q):
    """The index (tsvector / FTS5) answers what the stored words say: no more, no less."""
    terms = query_terms(q)
    expected = {
        number for number, words in Practice.objects.values_list("number", "search_document")
        if set(terms) <= set(words.split(" "))
    }
    assert set(found(q, Practice.objects.all())) == expected


def test_two_character_words_match_as_words_not_substrings(catalogue):
    # 融资 as a word: every practice whose text holds the word and no other
    # (none of the catalogue's 融资 substrings straddles a word boundary).
    substring = set(Practice.objects.filter(name__contains="融资").values_list("number", flat=True)) | set(
        PracticeEntry.objects.filter(text__contains="融资").values_list("practice__number", flat=True))
    assert set(found("融资")) == substring


@pytest.mark.parametrize("q", ["融资", "知识产权", "亲清", "首贷", "企业"])
def test_a_name_match_ranks_above_every_text_only_match(catalogue, q):
    rows = list(search.practice_search(Practice.objects.published(), q=q))
    in_name = [p.search_rank for p in rows if q in p.name]
    text_only = [p.search_rank for p in rows if q not in p.name]
    assert in_name and text_only
    assert min(in_name) > max(text_only)
    assert [p.search_rank for p in rows] == sorted((p.search_rank for p in rows), reverse=True)


def test_a_title_match_ranks_first_among_case_reports(catalogue):
    rows = list(search.case_report_search(CaseReport.objects.published(), q="商会"))
    assert "商会" in rows[0].title
    assert all("商会" not in r.title for r in rows[1:] if r.search_rank < 1)


# -- with the filters, pagination and facets -----------------------------------------

def test_search_combines_with_category_and_city_filters_and_paginates(catalogue):
    filterset = PracticeFilterSet(QueryDict("q=融资&category=rongzi-nanti&city=台州"))
    rows = list(filterset.qs)
    numbers = [p.number for p in rows]
    assert numbers and set(numbers) <= set(found("融资"))
    for practice in Practice.objects.filter(number__in=numbers).prefetch_related("entries__city"):
        assert practice.category.slug == "rongzi-nanti"
        assert "台州市" in {e.city.name for e in practice.entries.all()}
    assert [p.search_rank for p in rows] == sorted((p.search_rank for p in rows), reverse=True)

    paginator = Paginator(filterset.qs, 2)
    pages = [p.number for n in paginator.page_range for p in paginator.page(n).object_list]
    assert paginator.count == len(numbers) and paginator.num_pages >= 2
    assert pages == numbers  # every record once, in rank order, across pages


def test_an_explicit_sort_overrides_the_rank(catalogue):
    rows = [p.number for p in PracticeFilterSet(QueryDict("q=融资&sort=-number")).qs]
    assert rows == sorted(found("融资"), reverse=True)


def test_the_list_pages_search_with_filters_and_pages(client, catalogue):
    response = client.get("/practices/", {"q": "融资", "category": "rongzi-nanti", "per_page": 10, "page": 2})
    assert response.status_code == 200
    page = response.context["listing"].page
    everything = [p.number for p in PracticeFilterSet(QueryDict("q=融资&category=rongzi-nanti")).qs]
    assert [p.number for p in page.object_list] == everything[10:20]


def test_facet_counts_under_a_search(catalogue):
    """The search queryset nested as a subquery (facets) still filters correctly."""
    params = QueryDict("q=融资")
    facets = practice_facets(filterset=PracticeFilterSet(params), params=params)
    assert sum(f["count"] for f in facets["category"]) == len(found("融资"))


def test_case_report_list_search_uses_the_index(catalogue):
    rows = list(CaseReportFilterSet(QueryDict("q=知识产权")).qs)
    assert [(r.source.filename[:3], r.position) for r in rows] == [("004", 4)]


@pytest.mark.parametrize("q", ["，。！", "<script>alert(1)</script>", "\"'&<>", "融资" * 50])
def test_odd_queries_give_a_page_not_an_error(client, catalogue, q):
    for url in ("/practices/", "/case-reports/"):
        response = client.get(url, {"q": q})
        assert response.status_code == 200
        assert b"<script>alert(1)</script>" not in response.content


def test_markup_in_the_query_is_escaped_on_the_page(client, catalogue):
    response = client.get("/practices/", {"q": "<b>融资</b>"})
    assert response.status_code == 200
    assert b"<b>\xe8\x9e\x8d\xe8\xb5\x84</b>" not in response.content  # <b>融资</b> verbatim
    assert "&lt;b&gt;融资&lt;/b&gt;" in response.content.decode()
    assert response.context["listing"].page.paginator.count == len(found("融资"))  # <b> is no word


# -- keeping the index current -----------------------------------------------------

def test_saving_a_practice_updates_its_words(catalogue):
    practice = Practice.objects.get(number=14)
    assert found("量子通信") == []
    practice.name = "推行量子通信无还本续贷"
    practice.save()
    assert found("量子通信") == [14]
    practice.name = "推行无还本续贷"
    practice.save()  # the same instance again: its search columns must not be stale
    assert found("量子通信") == []
    assert Practice.objects.get(number=14).search_title == search_document("推行无还本续贷")


def test_saving_a_stale_instance_keeps_the_index_right(catalogue):
    stale = Practice.objects.get(number=14)
    fresh = Practice.objects.get(number=14)
    fresh.name = "推行量子通信无还本续贷"
    fresh.save()
    stale.save()  # writes back the old name and the old search columns
    assert found("量子通信") == []
    assert found("无还本续贷") == [14]


def test_saving_or_deleting_an_entry_updates_its_practice(catalogue):
    entry = PracticeEntry.objects.filter(practice__number=3).order_by("position").first()
    entry.text += "试点量子通信补贴。"
    entry.save()
    assert found("量子通信") == [3]
    entry.delete()
    assert found("量子通信") == []


def test_a_new_practice_is_found_and_a_deleted_one_is_gone(catalogue, entry_factory):
    entry = entry_factory(practice__name="量子通信做法", text="建设量子通信网络。")
    assert found("量子通信") == [entry.practice.number]
    entry.practice.delete()
    assert found("量子通信") == []
    if search.search_backend(connection.alias) == "fts5":
        with connection.cursor() as cursor:
            cursor.execute("SELECT count(*) FROM practices_practice_fts WHERE rowid = %s", [entry.practice_id])
            assert cursor.fetchone()[0] == 0


def test_saving_a_case_report_updates_its_words(catalogue):
    report = CaseReport.objects.published().order_by("pk").first()
    assert not search.case_report_search(CaseReport.objects.all(), q="量子通信").exists()
    report.body += "\n推动量子通信产业发展。"
    report.save()
    assert [r.pk for r in search.case_report_search(CaseReport.objects.all(), q="量子通信")] == [report.pk]


def test_a_save_that_leaves_the_text_alone_does_not_resegment(catalogue):
    practice = Practice.objects.get(number=14)
    with CaptureQueriesContext(connection) as queries:
        practice.save(update_fields=["status"])
    assert queries.captured_queries
    assert not any("search_document" in q["sql"] for q in queries.captured_queries)


def test_update_bypasses_save_until_the_index_is_rebuilt(catalogue):
    Practice.objects.filter(number=14).update(name="推行量子通信无还本续贷")
    assert found("量子通信") == []  # update() sends no signal: stale
    call_command("rebuild_search_index", verbosity=0)
    assert found("量子通信") == [14]


@pytest.mark.parametrize("command", ["rebuild_search_index", "load_catalogue"])
def test_loaddata_then_rebuild_restores_the_search(catalogue, command):
    with search.search_index_deferred():
        for model, _ in reversed(FIXTURE_MODELS):
            model._default_manager.all().delete()
    call_command("loaddata", str(settings.FIXTURES_DIR / "catalogue.json"), verbosity=0, stdout=StringIO())
    assert Practice.objects.count() == 72
    assert found("融资") == []  # the fixture holds no search words
    call_command(command, verbosity=0)  # load_catalogue changes no record here, but indexes the unindexed ones
    assert set(found("融资")) == EXPECTED[0][1]
    assert report_keys("融资") == EXPECTED[0][3]


def test_deferred_saves_are_indexed_once_at_the_end(catalogue):
    entry = PracticeEntry.objects.filter(practice__number=3).order_by("position").first()
    with search.search_index_deferred():
        entry.text += "试点量子通信补贴。"
        entry.save()
        assert found("量子通信") == []
    assert found("量子通信") == [3]


def test_the_stored_words_match_a_fresh_segmentation(catalogue):
    for practice in Practice.objects.prefetch_related("entries")[:10]:
        text = "\n".join([practice.name, *(e.text for e in practice.entries.order_by("position"))])
        assert practice.search_title == search_document(practice.name)
        assert practice.search_document == search_document(text)


def test_the_index_holds_exactly_the_stored_words(catalogue):
    """PostgreSQL's parser / FTS5's unicode61 keep every stored word whole (no re-tokenising)."""
    rows = Practice.objects.order_by("pk")
    if connection.vendor == "postgresql":
        lexemes = rows.annotate(words=Func("search_vector", function="tsvector_to_array", output_field=TextField()))
        for practice in lexemes:
            assert set(practice.words) == set(practice.search_document.split(" "))
    else:
        with connection.cursor() as cursor:
            cursor.execute("SELECT rowid, title, document FROM practices_practice_fts ORDER BY rowid")
            indexed = cursor.fetchall()
        assert indexed == list(rows.values_list("pk", "search_title", "search_document"))


# -- the index is used -------------------------------------------------------------

@pytest.mark.parametrize("model", [Practice, CaseReport])
def test_the_query_plan_uses_the_index(catalogue, model):
    plan = search.search_explain("融资", model=model, force_index=True)
    if connection.vendor == "postgresql":
        index = "practice_search_vector_gin" if model is Practice else "casereport_search_vector_gin"
        assert f"Bitmap Index Scan on {index}" in plan
        assert "@@" in plan
    else:
        assert f"SCAN {model._meta.db_table}_fts VIRTUAL TABLE INDEX" in plan


def test_postgresql_knows_a_full_text_match_is_not_free(db):
    """Migration 0012: with @@ costed like a comparison, PostgreSQL scanned 100,000 TOASTed vectors (394 ms)
    instead of the GIN index (18 ms) for a common word; its cost is raised where the project can."""
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SELECT procost FROM pg_proc "
                           "WHERE oid = 'pg_catalog.ts_match_vq(tsvector, tsquery)'::regprocedure")
            assert cursor.fetchone()[0] >= 100
        else:  # SQLite has no such planner input: its searches always go through the FTS5 table
            cursor.execute("SELECT name FROM sqlite_master WHERE name = 'practices_practice_fts'")
            assert cursor.fetchone() == ("practices_practice_fts",)


def test_the_fallback_without_an_index_gives_the_same_results(catalogue, monkeypatch):
    indexed = {q: (set(found(q)), {p.number for p in search.practice_search(Practice.objects.published(), q=q)
                                    if p.search_rank >= 1}) for q, *_ in EXPECTED}
    # Patched where the queries look it up (practices/search/query.py).
    monkeypatch.setattr(search.query, "search_backend", lambda alias: "fallback")
    for q, (numbers, in_name) in indexed.items():
        rows = list(search.practice_search(Practice.objects.published(), q=q))
        assert {p.number for p in rows} == numbers
        assert {p.number for p in rows if p.search_rank >= 1} == in_name


# -- the command -------------------------------------------------------------------

@pytest.mark.parametrize(("verbosity", "lines"), [(0, 0), (1, 1), (2, 3)])
def test_rebuild_command_output_follows_verbosity(catalogue, verbosity, lines):
    out = StringIO()
    call_command("rebuild_search_index", "--batch-size", "50", verbosity=verbosity, stdout=out)
    assert len(out.getvalue().splitlines()) >= lines
    if verbosity == 0:
        assert out.getvalue() == ""
    else:
        assert "Search index rebuilt" in out.getvalue()
    if verbosity == 2:
        assert "72/72" in out.getvalue()


def test_rebuild_command_rejects_a_bad_batch_size(catalogue):
    with pytest.raises(CommandError, match="batch-size"):
        call_command("rebuild_search_index", "--batch-size", "0", verbosity=0)


def test_rebuild_of_missing_records_only_touches_unindexed_ones(catalogue):
    Practice.objects.filter(number=14).update(search_title="", search_document="")
    report = search.search_index_rebuild(missing_only=True)
    assert report.seen == {"典型做法": 1, "案例报道": 0}
    assert found("无还本续贷") == [14]
    assert search.search_index_rebuild(missing_only=True).seen == {"典型做法": 0, "案例报道": 0}


def test_rebuild_reports_what_changed(catalogue):
    Practice.objects.filter(number=14).update(search_document="")
    report = search.search_index_rebuild(practices=Practice.objects.filter(number__in=[14, 15]))
    assert report.seen == {"典型做法": 2, "案例报道": 0}
    assert report.changed == {"典型做法": 1, "案例报道": 0}
    assert "典型做法 2" in str(report)


# -- highlighting ------------------------------------------------------------------

@pytest.mark.parametrize(("text", "terms", "html"), [
    ("推行无还本续贷", "无还本续贷", "推行<mark>无还本续贷</mark>"),
    ("破解融资难、融资贵", ["融资"], "破解<mark>融资</mark>难、<mark>融资</mark>贵"),
    ("<b>融资</b> & 担保", "融资", "&lt;b&gt;<mark>融资</mark>&lt;/b&gt; &amp; 担保"),
    ("开发APP", "app", "开发<mark>APP</mark>"),
    ("融资", "<script>", "融资"),
    ("融资", "，。", "融资"),
    (None, "融资", ""),
])
def test_highlight_escapes_then_marks(text, terms, html):
    result = search.highlight(text, terms)
    assert isinstance(result, SafeString)
    assert result == html


def test_highlight_never_marks_inside_an_escaped_entity():
    assert search.highlight("a & b", ["amp"]) == "a &amp; b"


def test_search_excerpt_centres_on_the_first_match():
    text = "前言" * 100 + "推行无还本续贷" + "后记" * 100
    excerpt = search.search_excerpt(text, "无还本续贷", width=40)
    assert "<mark>无还本续贷</mark>" in excerpt
    assert excerpt.startswith("…") and excerpt.endswith("…")
    assert len(excerpt) < 80


def test_template_filters():
    rendered = Template(
        "{% load search_tags %}{% search_terms q as terms %}{{ text|highlight:terms }}|{{ text|highlight:q }}"
    ).render(Context({"q": "融资", "text": "<i>融资</i>"}))
    assert rendered == "&lt;i&gt;<mark>融资</mark>&lt;/i&gt;|&lt;i&gt;<mark>融资</mark>&lt;/i&gt;"


def test_a_query_without_words_is_empty_but_still_orderable_by_rank(catalogue):
    rows = search.practice_search(Practice.objects.all(), q="，。！").order_by("-search_rank", "number")
    assert list(rows) == [] and rows.count() == 0


# -- excerpts: why a hit matched (issue 14) ---------------------------------------------------------
def test_practice_excerpt_is_the_best_matching_entry_with_its_city(catalogue):
    practice = Practice.objects.published().with_cities().get(number=29)
    excerpt = search.practice_excerpt(practice, query_terms("温州指数 融资"))
    assert excerpt is not None and excerpt.place.name == "温州市"
    assert "<mark>融资</mark>" in excerpt.html and "<mark>" not in excerpt.text
    assert excerpt.text == excerpt.text.strip() and len(excerpt.text) <= 130


def test_excerpt_is_none_when_only_the_name_matches(practice_factory, entry_factory):
    practice = practice_factory(name="融资服务平台")
    entry_factory(practice=practice, text="建设了一个平台。")
    practice = Practice.objects.with_cities().get(pk=practice.pk)
    assert search.practice_excerpt(practice, ["融资"]) is None


def test_excerpt_escapes_markup_in_the_text_and_the_query(practice_factory, entry_factory):
    practice = practice_factory(name="某做法")
    entry_factory(practice=practice, text='<script>alert("融资")</script> 融资 & 担保')
    practice = Practice.objects.with_cities().get(pk=practice.pk)
    excerpt = search.practice_excerpt(practice, query_terms("<script>融资"))
    assert isinstance(excerpt.html, SafeString)
    # "script" is a query word too: marked inside the escaped text, never a tag.
    assert "<script" not in excerpt.html and "&lt;<mark>script</mark>&gt;" in excerpt.html
    assert "&amp;" in excerpt.html and excerpt.html.count("<mark>融资</mark>") == 2
    assert excerpt.text.startswith('<script>alert("融资")')  # the plain text is the text, unescaped


def test_case_report_excerpt_is_the_paragraph_holding_most_words(catalogue):
    report = CaseReport.objects.published().prefetch_related("cities").select_related("province").filter(
        body__contains="融资").first()
    excerpt = search.case_report_excerpt(report, ["融资"])
    paragraphs = [p for p in report.body.split("\n") if "融资" in p]
    assert excerpt is not None and "<mark>融资</mark>" in excerpt.html
    assert any(excerpt.text.strip("…") in p for p in paragraphs)
    assert excerpt.place is not None


def test_attach_excerpts_reads_nothing_more_from_the_database(catalogue, django_assert_num_queries):
    rows = list(Practice.objects.published().with_cities().order_by("number")[:20])
    with django_assert_num_queries(0):
        rows = search.attach_excerpts(rows, q="融资", excerpt=search.practice_excerpt)
    assert any(row.search_excerpt for row in rows)
    assert all(row.search_excerpt is None for row in search.attach_excerpts(rows, q="", excerpt=search.practice_excerpt))
