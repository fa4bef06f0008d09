"""The synthetic catalogue: determinism, shape, identifiability, --clear, the search index."""
from __future__ import annotations

import hashlib
import json
from io import StringIO
from statistics import mean

import pytest
from django.core.management import CommandError, call_command
from django.db.models import Count

from bench import synthetic
from practices.importer import places
from practices.importer.metrics import extract_metrics
from practices.models import CaseReport, City, Metric, Practice, PracticeEntry, Province, SourceDocument

N = 300
SEED = 7


@pytest.fixture
def generated(catalogue):
    """A synthetic set of N practices (seed 7) on top of the real catalogue, without the search index."""
    result = synthetic.synthetic_generate(practices=N, seed=SEED, rebuild_search=False)
    return result


def _source(seed: int = SEED) -> SourceDocument:
    return SourceDocument.objects.get(filename=synthetic.source_filename(seed))


def test_gazetteer_selection_is_about_300_cities_in_31_provinces():
    cities = synthetic.gazetteer_cities()
    assert 290 <= len(cities) <= 310
    assert len({c.province for c in cities}) == 31
    assert not {"台湾省", "香港特别行政区", "澳门特别行政区"} & {c.province for c in cities}
    # Real prefecture-level cities, plus the four municipalities standing as their own city.
    names = {c.name for c in cities}
    assert {"青岛市", "泰州市", "台州市", "北京市", "重庆市"} <= names
    assert all(c.name.endswith("市") for c in cities)
    assert len({c.adcode for c in cities}) == len(cities)


def test_gazetteer_selection_agrees_with_the_importers_places():
    """The selection reads cpca's table itself; every city must be the importer's, same adcode."""
    for city in synthetic.gazetteer_cities():
        if city.name in synthetic.MUNICIPALITIES:
            assert places.locate_province(city.name).adcode == city.adcode
        else:
            assert places.locate_city(city.name, province=city.province).adcode == city.adcode
    assert synthetic.province_short_name("广西壮族自治区") == "广西"
    assert synthetic.province_short_name("浙江省") == "浙江"


def test_counts_entries_and_places(generated):
    source = _source()
    practices = Practice.objects.filter(source=source)
    assert practices.count() == N == generated.practices
    per_practice = list(practices.annotate(n=Count("entries")).values_list("n", flat=True))
    assert min(per_practice) >= 1 and max(per_practice) <= 5
    assert set(per_practice) == {1, 2, 3, 4, 5}
    entries = PracticeEntry.objects.filter(practice__source=source)
    assert entries.count() == generated.entries == sum(per_practice)
    # Spread: the first city of each practice walks all ~300 cities, so 300 practices use every city.
    assert entries.values("city").distinct().count() == len(synthetic.gazetteer_cities())
    assert entries.values("city__province").distinct().count() == 31
    # All 7 categories are used.
    assert practices.values("category").distinct().count() == 7


def test_city_slugs_come_from_the_gazetteer(generated):
    source = _source()
    cities = City.objects.filter(entries__practice__source=source).select_related("province").distinct()
    for city in cities:
        assert city.slug == places.city_slug(city.name, city.province.name)
    assert City.objects.get(name="台州市").slug == "taizhou-zhejiang"
    assert City.objects.get(name="泰州市").slug == "taizhou-jiangsu"


def test_metrics_about_five_per_entry(generated):
    source = _source()
    per_entry = list(
        PracticeEntry.objects.filter(practice__source=source).annotate(n=Count("metrics")).values_list("n", flat=True)
    )
    assert min(per_entry) >= 1
    assert 4 <= mean(per_entry) <= 6.5


def test_metrics_are_what_the_extractor_finds_in_the_generated_text(generated):
    fields = ("position", "raw", "value", "high", "unit", "normalized_value", "normalized_unit", "kind", "qualifier",
              "label", "as_of", "as_of_year", "as_of_month", "sentence")
    entries = PracticeEntry.objects.filter(practice__source=_source()).prefetch_related("metrics")
    for entry in entries:
        stored = [tuple(getattr(m, f) for f in fields) + (m.offset,) for m in
                  sorted(entry.metrics.all(), key=lambda m: m.position)]
        found = [tuple(getattr(m, f) for f in fields) + (m.start,) for m in extract_metrics(entry.text)]
        assert stored == found, entry.text


def test_text_recombines_real_sentences(generated, catalogue):
    real = {s for text in PracticeEntry.objects.filter(practice__number__lte=72).values_list("text", flat=True)
            for s in synthetic.split_sentences(text)}
    for text in PracticeEntry.objects.filter(practice__source=_source()).values_list("text", flat=True)[:100]:
        sentences = synthetic.split_sentences(text)
        assert 2 <= len(sentences) <= synthetic.MAX_SENTENCES
        assert set(sentences) <= real


def test_records_are_published_identifiable_and_numbered_after_the_real_ones(generated):
    source = _source()
    assert source.filename == f"synthetic-seed-{SEED}.txt"
    manifest = json.loads(source.raw_text)
    assert manifest["seed"] == SEED and manifest["practices"] == N
    assert source.sha256 == hashlib.sha256(source.raw_text.encode("utf-8")).hexdigest()
    practices = Practice.objects.filter(source=source)
    assert not practices.exclude(status="published").exists()
    assert not practices.filter(published_at__isnull=True).exists()
    numbers = list(practices.order_by("number").values_list("number", flat=True))
    assert numbers == list(range(73, 73 + N))
    assert (manifest["first_number"], manifest["last_number"]) == (73, 72 + N)
    # The real catalogue is untouched and not synthetic.
    assert synthetic.real_practices().count() == 72


def test_case_reports(generated):
    reports = CaseReport.objects.filter(source=_source()).prefetch_related("cities", "categories", "practice_links")
    assert reports.count() == N // synthetic.PRACTICES_PER_REPORT == generated.case_reports
    for report in reports:
        assert report.status == "published"
        assert report.cities.exists()
        assert all(c.province_id == report.province_id for c in report.cities.all())
        assert 1 <= report.categories.count() <= 2
        links = list(report.practice_links.all())
        assert 1 <= len(links) <= 5
        assert all(link.practice.source_id == report.source_id for link in links)
    assert Metric.objects.filter(case_report__source=_source()).exists()


def test_same_seed_gives_the_same_data(generated):
    first = synthetic.synthetic_digest(seed=SEED)
    synthetic.synthetic_clear(rebuild_search=False)
    synthetic.synthetic_generate(practices=N, seed=SEED, rebuild_search=False)
    assert synthetic.synthetic_digest(seed=SEED) == first
    synthetic.synthetic_generate(practices=N, seed=SEED + 1, rebuild_search=False)
    assert synthetic.synthetic_digest(seed=SEED + 1) != first


def test_numbers_continue_after_an_existing_set(generated):
    other = synthetic.synthetic_generate(practices=20, seed=SEED + 1, rebuild_search=False)
    assert other.first_number == 73 + N


def test_an_existing_seed_is_refused(generated):
    with pytest.raises(synthetic.SyntheticError, match="--clear"):
        synthetic.synthetic_generate(practices=5, seed=SEED, rebuild_search=False)
    with pytest.raises(CommandError, match="--clear"):
        call_command("generate_synthetic", "--practices", "5", "--seed", str(SEED), "--no-search-index",
                     stdout=StringIO())


def test_clear_removes_the_set_and_the_places_it_created(catalogue):
    before = {model: model.objects.count() for model in (Practice, PracticeEntry, Metric, CaseReport, City, Province,
                                                         SourceDocument)}
    synthetic.synthetic_generate(practices=N, seed=SEED, rebuild_search=False)
    assert City.objects.count() > before[City]
    out = StringIO()
    call_command("generate_synthetic", "--clear", "--no-search-index", stdout=out)
    assert "synthetic-seed-7.txt" in out.getvalue()
    assert {model: model.objects.count() for model in before} == before
    out = StringIO()
    call_command("generate_synthetic", "--clear", "--no-search-index", stdout=out)
    assert "No synthetic data" in out.getvalue()


def test_clearing_one_seed_keeps_another_and_its_cities(catalogue):
    synthetic.synthetic_generate(practices=60, seed=1, rebuild_search=False)
    synthetic.synthetic_generate(practices=60, seed=2, rebuild_search=False)
    kept = synthetic.synthetic_digest(seed=2)
    synthetic.synthetic_clear(seed=1, rebuild_search=False)
    assert not SourceDocument.objects.filter(filename="synthetic-seed-1.txt").exists()
    assert synthetic.synthetic_digest(seed=2) == kept


def test_command_output_and_search_index(catalogue):
    from practices.search import practice_search

    out = StringIO()
    call_command("generate_synthetic", "--practices", "40", "--seed", "3", stdout=out)
    text = out.getvalue()
    assert "practices 40" in text and "31 provinces" in text
    assert "search_index_rebuild" in text
    synthetic_practices = Practice.objects.filter(source__filename="synthetic-seed-3.txt")
    # bulk_create bypassed save(): only the rebuild makes the new records searchable.
    name_word = "企业"
    assert practice_search(synthetic_practices, q=name_word).exists()


def test_command_is_quiet_at_verbosity_0(catalogue):
    out = StringIO()
    call_command("generate_synthetic", "--practices", "10", "--seed", "4", "--no-search-index", verbosity=0,
                 stdout=out)
    assert out.getvalue() == ""


def test_command_needs_a_count_or_clear(catalogue):
    with pytest.raises(CommandError, match="--practices"):
        call_command("generate_synthetic", stdout=StringIO())
    with pytest.raises(CommandError):
        call_command("generate_synthetic", "--practices", "-3", stdout=StringIO())


def test_needs_the_real_catalogue(catalogue):
    Practice.objects.all().delete()
    with pytest.raises(CommandError, match="load_catalogue"):
        call_command("generate_synthetic", "--practices", "10", "--no-search-index", stdout=StringIO())
