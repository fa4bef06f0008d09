"""Metric labels name the measured thing: rules in practices.importer.labels, measured on a held-out sample."""
from __future__ import annotations

import json
from pathlib import Path

import pytest

from practices.importer.labels import BAD_LABELS, MAX_LABEL, MIN_LABEL, metric_label
from practices.importer.metrics import extract_metrics

HELDOUT = Path(__file__).resolve().parents[1] / "data" / "metric_labels_heldout.json"


@pytest.mark.parametrize(
    ("text", "raw", "label"),
    [
        # the compare chart of practice 23 (issue 13)
        ("截至2021年7月，全市44家银行机构已全部入驻平台。", "44家", "银行机构"),
        ("实现对全市72万多家市场主体信用建档全覆盖。", "72万多家", "市场主体信用建档"),
        ("整合导入19.74多万家中小微企业、718万多条基础信息数据。", "19.74多万家", "中小微企业"),
        ("粤信融平台累计注册企业14万家，", "14万家", "注册企业"),
        # the object after 的, the subject before a change verb, a list
        ("共获1亿元的授信额度。", "1亿元", "授信额度"),
        ("将转贷时间延长至15天，", "15天", "转贷时间"),
        ("对违法行为的发现率提升到86%。", "86%", "发现率"),
        ("同比分别增长18.2%、18.8%。", "18.8%", "同比增长"),
        ("较年初增加4.13万户。", "4.13万户", "较年初增加"),
        ("出台七项支持政策。", "七项", "支持政策"),
    ],
)
def test_labels_name_the_measured_thing(text, raw, label):
    metric = next(m for m in extract_metrics(text) if m.raw == raw)
    assert metric.label == label


@pytest.mark.parametrize(
    ("before", "after", "kind"),
    [("实现", "", "count"), ("全市", "", "count"), ("举办", "", "count"), ("涵盖", "", "count"),
     ("归集", "", "count"), ("", "", "money"), ("累计", "，", "percent"), ("对", "", "duration")],
)
def test_a_label_is_never_empty_nor_a_bare_verb_adverb_or_place(before, after, kind):
    label = metric_label(before=before, after=after, kind=kind)
    assert MIN_LABEL <= len(label) <= MAX_LABEL and label not in BAD_LABELS


def test_long_phrases_keep_their_head_noun():
    label = metric_label(before="青岛市辖区银行业普惠型小微企业贷款余额", after="", kind="money")
    assert len(label) <= MAX_LABEL and label.endswith("贷款余额")


def heldout_items() -> list[dict]:
    return json.loads(HELDOUT.read_text(encoding="utf-8"))["items"]


def test_heldout_sample_is_large_and_varied():
    items = heldout_items()
    owners = {item["owner"] for item in items}
    assert len(items) >= 150
    assert sum(o.startswith("practice") for o in owners) >= 20
    assert sum(o.startswith("report") for o in owners) >= 3
    assert all(item["acceptable"] for item in items)


# Measured once the rules were written: 0.702 (118/168) at the first measurement; 0.714 (120/168)
# after later fixes taken from the tuning practices only (the held-out errors had been seen by then).
# The floor guards against regressions; the target (0.85) is not met and is tracked by the
# strict xfail below, which starts failing as soon as the target is reached.
HELDOUT_FLOOR, HELDOUT_TARGET = 0.70, 0.85


def heldout_accuracy() -> tuple[float, list[tuple]]:
    """Share of held-out metrics whose label is one an editor accepts (the sample predates the rules)."""
    items = heldout_items()
    wrong = []
    for item in items:
        found = [m for m in extract_metrics(item["sentence"]) if m.raw == item["raw"]]
        label = found[item.get("occurrence", 0)].label if found else None
        if label not in item["acceptable"]:
            wrong.append((item["raw"], label, item["acceptable"][0]))
    return 1 - len(wrong) / len(items), wrong


def test_label_accuracy_on_the_heldout_sample_does_not_regress():
    accuracy, wrong = heldout_accuracy()
    assert accuracy >= HELDOUT_FLOOR, f"label accuracy={accuracy:.3f}; wrong: {wrong[:15]}"


@pytest.mark.xfail(strict=True, reason="issue 13 target: held-out label accuracy 0.714 < 0.85")
def test_label_accuracy_on_the_heldout_sample_reaches_the_target():
    accuracy, wrong = heldout_accuracy()
    assert accuracy >= HELDOUT_TARGET, f"label accuracy={accuracy:.3f}; wrong: {wrong[:15]}"
