"""Metric.measure: derived from label and unit, never empty, curated by staff and kept through reloads."""
from __future__ import annotations

import pytest
from django.core.management import call_command

from practices.importer.measures import (
    BARE_NUMBER,
    RULES,
    UNIT_FALLBACKS,
    measure_after_edit,
    measure_for,
    measure_is_generic,
)


# -- the rules (pure) ------------------------------------------------------------------------
@pytest.mark.parametrize(("label", "unit", "expected"), [
    ("制造业贷款余额", "元", "贷款余额"),
    ("首贷授信", "元", "授信金额"),
    ("中小企业提供融资", "元", "融资金额"),
    ("市场主体信用建档", "家", "市场主体数"),
    ("银行机构", "家", "金融机构数"),
    ("中小微企业", "家", "企业数"),
    ("中小微企业", "元", "金额"),  # a keyword counts only within its unit family
    ("民营企业同比", "%", "增长率"),
    ("平均利率", "%", "利率费率"),
    ("费用", "%/日", "利率费率"),
    ("通办率", "%", "通办率"),
    ("比例", "%", "占比"),
    ("时间", "工作日", "办理时长"),
    ("", "天", "办理时长"),
    ("", "元", "金额"),
    ("", "户", "主体数"),
    ("用户数", "", BARE_NUMBER),
    ("数量", "笔", "笔数"),
    # ratios (normalized unit ":1", ":1:1" ...) and lengths, issue 13
    ("出资比例", ":1", "出资比例"),
    ("配套比例", ":1", "出资比例"),
    ("风险分担比例", ":1:1", "风险分担比例"),
    ("银行", ":2:1", "比例"),
    ("续航", "公里", "续航里程"),
    ("道路", "米", "长度"),
    ("出资", "元", "投资金额"),  # the ratio rule applies to ratios only
])
def test_measure_rules(label, unit, expected):
    assert measure_for(label=label, unit=unit) == expected


@pytest.mark.parametrize(("measure", "old", "new", "expected"), [
    ("主体数", ("数量", "家"), ("银行机构", "家"), "金融机构数"),  # the rules' measure follows the new label
    ("金额", ("企业", "元"), ("授信额度", "元"), "授信金额"),
    ("企业数", ("中小微企业", "家"), ("中小微企业", "元"), "金额"),  # ... and the new unit
    ("银行数", ("数量", "家"), ("中小微企业", "家"), "银行数"),  # a measure staff chose stays
    ("", ("数量", "家"), ("银行机构", "家"), "金融机构数"),  # never empty
])
def test_a_derived_measure_follows_a_label_edit_and_a_curated_one_stays(measure, old, new, expected):
    got = measure_after_edit(measure=measure, old_label=old[0], old_unit=old[1], label=new[0], unit=new[1])
    assert got == expected


@pytest.mark.parametrize("unit", ["", "元", "%", "天", "家", "笔", "某单位", "项数", ":1", ":2:1", "公里"])
@pytest.mark.parametrize("label", ["", "实现", "银行机构", "x" * 200])
def test_a_measure_is_never_empty_and_fits_the_field(label, unit):
    measure = measure_for(label=label, unit=unit)
    assert measure and len(measure) <= 20


@pytest.mark.parametrize(("measure", "generic"), [
    ("个数", True), ("笔数", True), ("人数", True), ("金额", True), ("占比", True), (BARE_NUMBER, True),
    ("企业数", False), ("贷款余额", False), ("办理时长", False), ("人才数", False), ("满意率", False),
    ("比例", True), ("长度", True), ("风险分担比例", False),
])
def test_generic_measures_are_the_ones_that_only_repeat_the_unit(measure, generic):
    assert measure_is_generic(measure) is generic


def test_the_rule_table_names_fit_the_field():
    names = [measure for measure, _, _ in RULES] + [measure for _, measure in UNIT_FALLBACKS]
    assert all(0 < len(name) <= 20 for name in names)


# -- the loaded catalogue --------------------------------------------------------------------
def test_every_loaded_metric_has_a_measure_the_rules_give(catalogue):
    from practices.models import Metric

    rows = list(Metric.objects.values_list("label", "normalized_unit", "measure"))
    assert rows and all(measure for _, _, measure in rows)
    assert all(measure == measure_for(label=label, unit=unit) for label, unit, measure in rows)
    assert len({measure for _, _, measure in rows}) > 20


def test_a_staff_curated_measure_survives_reload_and_re_extraction(catalogue):
    from practices.importer.loading import metric_is_edited, metrics_sync
    from practices.models import Metric

    metric = Metric.objects.filter(entry__practice__number=23, normalized_unit="家").order_by("pk").first()
    assert not metric_is_edited(metric)
    metric.measure = "银行机构数"
    metric.save()
    assert metric_is_edited(metric)

    call_command("load_catalogue", verbosity=0)
    metric.refresh_from_db()
    assert metric.measure == "银行机构数"
    metrics_sync(owner_field="entry", owner=metric.entry, text=metric.entry.text, describe="re-extraction")
    metric.refresh_from_db()
    assert metric.measure == "银行机构数"


def test_an_unedited_metric_gets_the_rules_measure_again_on_reload(catalogue):
    from practices.models import Metric

    metric = Metric.objects.filter(case_report__isnull=False).order_by("pk").first()
    expected = metric.measure
    call_command("load_catalogue", verbosity=0)
    metric.refresh_from_db()
    assert metric.measure == expected == measure_for(label=metric.label, unit=metric.normalized_unit)


# -- the admin -------------------------------------------------------------------------------
def test_admin_suggests_existing_measures_in_the_form_and_the_list(client, catalogue, staff_user):
    from practices.models import Metric

    client.force_login(staff_user("编辑"))
    metric = Metric.objects.filter(entry__isnull=False).order_by("pk").first()
    html = client.get(f"/admin/practices/metric/{metric.pk}/change/").content.decode()
    assert 'list="id_measure-options"' in html and '<datalist id="id_measure-options">' in html
    assert '<option value="企业数">' in html
    listing = client.get("/admin/practices/metric/?measure=企业数").content.decode()
    assert 'list="id_form-0-measure-options"' in listing
    assert Metric.objects.filter(measure="企业数").count() > 0


def test_a_label_edit_moves_a_derived_measure_and_keeps_a_curated_one(catalogue):
    from practices.models import Metric

    derived, curated = Metric.objects.filter(normalized_unit="家").order_by("pk")[:2]
    assert derived.measure == measure_for(label=derived.label, unit="家") != "金融机构数"
    derived.label = "银行机构"
    derived.save()
    derived.refresh_from_db()
    assert derived.measure == "金融机构数"

    curated.measure = "入驻机构数"
    curated.save()
    curated.label = "中小微企业"
    curated.save()
    curated.refresh_from_db()
    assert curated.measure == "入驻机构数"
