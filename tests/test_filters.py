"""practices.filters: one FilterSet per public list, shared by pages, API and exports."""
import pytest
from django.http import QueryDict

from practices.filters import CaseReportFilterSet, MetricFilterSet, PracticeFilterSet
from practices.models import CaseReport, Metric, Practice

pytestmark = pytest.mark.django_db


def practices(query: str) -> PracticeFilterSet:
    return PracticeFilterSet(QueryDict(query))


def numbers(filterset) -> list[int]:
    return list(filterset.qs.values_list("number", flat=True))


@pytest.mark.parametrize("value", ["2", "rongzi-nanti", "RONGZI-NANTI", "破解民营企业融资难题", " 2 "])
def test_category_by_number_slug_or_name(catalogue, value):
    filterset = practices(f"category={value}")
    assert filterset.selected()["category"].number == 2
    assert numbers(filterset) == list(
        Practice.objects.filter(category__number=2).order_by("number").values_list("number", flat=True)
    )


@pytest.mark.parametrize("value", ["taizhou-zhejiang", "台州市", "台州"])
def test_city_by_slug_or_chinese_name_with_or_without_shi(catalogue, value):
    filterset = practices(f"city={value}")
    assert filterset.selected()["city"].name == "台州市"
    expected = set(Practice.objects.filter(entries__city__slug="taizhou-zhejiang").values_list("number", flat=True))
    assert set(numbers(filterset)) == expected and len(expected) > 10


@pytest.mark.parametrize("value", ["zhejiang", "浙江省", "浙江"])
def test_province_by_slug_or_name(catalogue, value):
    filterset = practices(f"province={value}")
    assert filterset.selected()["province"].slug == "zhejiang"
    expected = set(
        Practice.objects.filter(entries__city__province__slug="zhejiang").values_list("number", flat=True)
    )
    assert set(numbers(filterset)) == expected


@pytest.mark.parametrize(("query", "message"), [
    ("category=99", "没有类别“99”"),
    ("category=nope", "没有类别“nope”"),
    ("city=火星市", "没有城市“火星市”"),
    ("province=<b>x</b>", "没有省份“<b>x</b>”"),
    ("city=" + "x" * 500, "100"),
])
def test_unknown_lookup_gives_an_error_and_an_empty_result(catalogue, query, message):
    filterset = practices(query)
    assert filterset.qs.count() == 0
    assert any(message in text for text in filterset.error_messages())


def test_rows_do_not_repeat_when_a_practice_has_several_matching_entries(catalogue):
    # Practice 23 was reported by several cities of the same province (浙江: 温州? 台州).
    rows = numbers(practices("province=zhejiang&sort=-cities"))
    assert len(rows) == len(set(rows))


def test_has_metrics_splits_the_catalogue(catalogue):
    with_metrics = set(numbers(practices("has_metrics=true")))
    without = set(numbers(practices("has_metrics=false")))
    assert with_metrics and without and not (with_metrics & without)
    assert len(with_metrics) + len(without) == 72
    assert with_metrics == set(Practice.objects.filter(entries__metrics__isnull=False).values_list("number", flat=True))


def test_search_combines_with_every_filter(catalogue):
    filterset = practices("category=2&city=台州&province=zhejiang&has_metrics=true&q=融资")
    found = numbers(filterset)
    assert found
    for practice in Practice.objects.filter(number__in=found).prefetch_related("entries__city", "entries__metrics"):
        assert practice.category.number == 2
        assert "台州市" in {entry.city.name for entry in practice.entries.all()}
        assert any(entry.metrics.all() for entry in practice.entries.all())
        assert "融资" in practice.name + "".join(entry.text for entry in practice.entries.all())


def test_search_defaults_to_relevance_and_explicit_sort_wins(catalogue):
    relevance = practices("q=融资").qs
    ranks = [p.search_rank for p in relevance]
    assert ranks == sorted(ranks, reverse=True)
    assert numbers(practices("q=融资&sort=number")) == sorted(numbers(practices("q=融资")))


@pytest.mark.parametrize(("sort", "key", "reverse"), [
    ("number", lambda p: p.number, False),
    ("-number", lambda p: p.number, True),
    ("-cities", lambda p: p.entries.count(), True),
    ("cities", lambda p: p.entries.count(), False),
])
def test_sort_orders(catalogue, sort, key, reverse):
    rows = list(practices(f"sort={sort}").qs)
    values = [key(p) for p in rows]
    assert values == sorted(values, reverse=reverse) and len(rows) == 72


def test_sort_by_name_is_the_database_order_of_names(catalogue):
    rows = [p.name for p in practices("sort=name").qs]
    assert rows == list(Practice.objects.order_by("name", "number").values_list("name", flat=True))


@pytest.mark.parametrize("query", ["sort=bogus", "sort=relevance", "sort="])
def test_a_bad_or_meaningless_sort_falls_back_to_number_order_without_emptying(catalogue, query):
    assert numbers(practices(query)) == list(range(1, 73))


def test_drafts_never_pass_whatever_queryset_is_given(catalogue):
    Practice.objects.filter(number__in=[14, 15]).update(status="draft")
    for filterset in (PracticeFilterSet(QueryDict("q=转贷")), PracticeFilterSet(QueryDict(""), Practice.objects.all())):
        assert not {14, 15} & set(numbers(filterset))


def test_filtered_without_drops_one_filter_only(catalogue):
    filterset = practices("category=2&city=qingdao")
    assert set(filterset.filtered_without("city").values_list("number", flat=True)) == set(
        Practice.objects.filter(category__number=2).values_list("number", flat=True)
    )
    assert set(filterset.filtered_without("category").values_list("number", flat=True)) == set(
        Practice.objects.filter(entries__city__slug="qingdao").values_list("number", flat=True)
    )


# -- case reports ---------------------------------------------------------------
@pytest.mark.parametrize(("query", "expected"), [
    ("province=zhejiang", lambda r: r.province.slug == "zhejiang"),
    ("city=宁波", lambda r: "ningbo" in {c.slug for c in r.cities.all()}),
    ("category=rongzi-nanti", lambda r: "rongzi-nanti" in {c.slug for c in r.categories.all()}),
    ("q=商会", lambda r: "商会" in r.title + r.subtitle + r.body),
])
def test_case_report_filters(catalogue, query, expected):
    found = list(CaseReportFilterSet(QueryDict(query)).qs)
    everything = list(CaseReport.objects.published())
    assert found and len(found) < len(everything)
    assert {r.pk for r in found} == {r.pk for r in everything if expected(r)}


def test_case_report_filter_hides_drafts(catalogue):
    report = CaseReport.objects.filter(province__slug="zhejiang").first()
    report.status = "draft"
    report.save()
    assert report.pk not in set(CaseReportFilterSet(QueryDict("province=zhejiang")).qs.values_list("pk", flat=True))


# -- metrics --------------------------------------------------------------------
def test_metric_unit_filter_and_value_sort(catalogue):
    rows = list(MetricFilterSet(QueryDict("unit=元&sort=-value")).qs)
    assert rows and {m.normalized_unit for m in rows} == {"元"}
    values = [m.normalized_value for m in rows]
    assert values == sorted(values, reverse=True)
    ascending = [m.normalized_value for m in MetricFilterSet(QueryDict("unit=元&sort=value")).qs]
    assert ascending == sorted(values)


def _city_slugs(metric):
    if metric.entry_id:
        return {metric.entry.city.slug}
    return {city.slug for city in metric.case_report.cities.all()}


def _category_numbers(metric):
    if metric.entry_id:
        return {metric.entry.practice.category.number}
    return {category.number for category in metric.case_report.categories.all()}


@pytest.mark.parametrize(("query", "check"), [
    ("city=青岛", lambda m: "qingdao" in _city_slugs(m)),
    ("category=2", lambda m: 2 in _category_numbers(m)),
    ("practice=15", lambda m: m.entry_id and m.entry.practice.number == 15),
    ("kind=money", lambda m: m.kind == "money"),
    ("owner=case_report", lambda m: m.case_report_id is not None),
    ("owner=practice", lambda m: m.entry_id is not None),
    ("measure=企业数", lambda m: m.measure == "企业数"),
])
def test_metric_filters(catalogue, query, check):
    related = ("entry__city", "entry__practice__category")
    rows = list(MetricFilterSet(QueryDict(query)).qs.select_related(*related).prefetch_related(
        "case_report__cities", "case_report__categories"))
    assert rows and all(check(m) for m in rows)
    everything = Metric.objects.published().select_related(*related).prefetch_related(
        "case_report__cities", "case_report__categories")
    assert len(rows) == sum(1 for m in everything if check(m))


def test_case_report_metrics_pass_the_city_and_category_filters(catalogue):
    report = CaseReport.objects.published().filter(metrics__isnull=False, cities__isnull=False,
                                                   categories__isnull=False).distinct().first()
    city, category = report.cities.first(), report.categories.first()
    by_city = MetricFilterSet(QueryDict(f"owner=case_report&city={city.slug}")).qs
    by_category = MetricFilterSet(QueryDict(f"owner=case_report&category={category.number}")).qs
    assert set(report.metrics.all()) <= set(by_city) and set(report.metrics.all()) <= set(by_category)


def test_value_sort_applies_only_within_one_unit(catalogue):
    mixed = MetricFilterSet(QueryDict("sort=-value"))
    assert mixed.sort_key == "practice" and mixed.notices()
    single = MetricFilterSet(QueryDict("unit=%25&sort=value"))
    assert single.sort_key == "value" and not single.notices()
    values = [m.normalized_value for m in single.qs]
    assert values == sorted(values) and values


@pytest.mark.parametrize("query", ["practice=abc", "practice=1e400", "practice=-1", "kind=weight", "city=nowhere",
                                   "owner=entry"])
def test_metric_bad_values_give_errors_not_exceptions(catalogue, query):
    filterset = MetricFilterSet(QueryDict(query))
    assert filterset.qs.count() == 0 and filterset.error_messages()


def test_metric_filterset_leaves_out_metrics_of_draft_practices_and_case_reports(catalogue):
    report = CaseReport.objects.filter(metrics__isnull=False).distinct().first()
    Practice.objects.filter(number=15).update(status="draft")
    CaseReport.objects.filter(pk=report.pk).update(status="draft")
    rows = MetricFilterSet(QueryDict("")).qs
    assert not rows.filter(entry__practice__number=15).exists()
    assert not rows.filter(case_report=report).exists()
    assert rows.filter(case_report__isnull=False).exists()


# -- refused values: one sentence, and counts that agree with the empty list (issue 14) -------------
@pytest.mark.parametrize(("filterset_class", "query", "names"), [
    (PracticeFilterSet, "city=nowhere", ["city"]),
    (PracticeFilterSet, "category=nosuch&city=nowhere&q=融资", ["category", "city"]),
    (CaseReportFilterSet, "city=nosuch", ["city"]),
    (MetricFilterSet, "city=nosuch&practice=abc", ["city", "practice"]),
])
def test_a_refused_value_empties_the_list_and_every_count(catalogue, filterset_class, query, names):
    filterset = filterset_class(QueryDict(query))
    assert filterset.rejected() == names
    assert not filterset.qs.exists()
    assert not filterset.filtered_without(None).exists()
    assert not filterset.filtered_without(names[0]).exists()  # facets too: nothing counts 72
    message = filterset.rejection_message()
    assert message.startswith("筛选条件无效：") and message.endswith("。")
    for name in names:
        assert f"参数 {name}=" in message


def test_a_bad_sort_alone_is_not_a_refusal(catalogue):
    filterset = PracticeFilterSet(QueryDict("sort=<b>"))
    assert filterset.rejected() == [] and filterset.rejection_message() == ""
    assert filterset.qs.count() == 72


def test_the_refusal_quotes_a_control_character_harmlessly(catalogue):
    message = PracticeFilterSet(QueryDict("city=%00x")).rejection_message()
    assert "\x00" not in message and "city=\ufffdx" in message


# -- strict values (issue 18): refused, never ignored ------------------------------------------------
@pytest.mark.parametrize(("value", "expected"), [
    ("true", True), ("TRUE", True), ("1", True), ("yes", True), ("Yes", True),
    ("false", False), ("False", False), ("0", False), ("no", False), ("NO", False), ("", None),
])
def test_booleans_read_every_common_spelling(catalogue, value, expected):
    filterset = practices(f"has_metrics={value}")
    assert not filterset.rejected()
    assert filterset.selected().get("has_metrics") is expected


@pytest.mark.parametrize("value", ["maybe", "2", "on", " ", "\t", "tru"])
def test_an_unreadable_boolean_is_refused_not_ignored(catalogue, value):
    filterset = PracticeFilterSet(QueryDict(mutable=True) | {"has_metrics": value})
    assert filterset.rejected() == ["has_metrics"]
    assert filterset.qs.count() == 0
    assert "true、false、1、0、yes、no" in filterset.error_messages()[0]


@pytest.mark.parametrize("query", ["unit=furlongs", "unit=%20", "city=%09", "category=%20", "practice=%205",
                                   "practice=５", "practice=0"])
def test_unknown_units_blanks_and_padded_numbers_are_refused(catalogue, query):
    filterset = MetricFilterSet(QueryDict(query))
    assert filterset.rejected() and filterset.qs.count() == 0


def test_a_published_unit_is_accepted(catalogue):
    filterset = MetricFilterSet(QueryDict("unit=元"))
    assert not filterset.rejected()
    assert filterset.qs.count() == Metric.objects.published().filter(normalized_unit="元").count() > 0


def test_each_refusal_names_the_value_and_what_is_allowed(catalogue):
    from practices.params import filter_problems

    filterset = MetricFilterSet(QueryDict("sort=bad&practice=0&city=nowhere"))
    reasons = {problem.name: problem.reason for problem in filter_problems(filterset)}
    assert set(reasons) == {"sort", "practice", "city"}
    assert "bad" in reasons["sort"] and "practice、-value、value" in reasons["sort"]
    assert "1 到 999999 的整数" in reasons["practice"]
    assert "nowhere" in reasons["city"] and "/api/cities/" in reasons["city"]
