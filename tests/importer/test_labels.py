"""Metric labels name the measured thing: rules in practices.importer.labels, measured on a held-out sample."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from practices.importer.labels import BAD_LABELS, MAX_LABEL, MIN_LABEL, metric_label
from practices.importer.metrics import extract_metrics

HELDOUT = Path(__file__).resolve().parents[1] / "data" / "metric_labels_heldout.json"
TUNING = Path(__file__).resolve().parents[1] / "data" / "metric_labels_tuning.json"


@pytest.mark.parametrize(
    ("text", "raw", "label"),
    [
        # the compare chart of practice 23 (issue 13)
        ("截至2021年7月，全市44家银行机构已全部入驻平台。", "44家", "银行机构"),
        # a count of 家 counts the bodies, not what is done for them (信用建档)
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
        # the governing verb is not part of the name; a verb inside or opening it is
        ("泉州小微服务平台累计促成融资156.9亿元，服务用户数5.02万，", "156.9亿元", "融资"),
        ("泉州小微服务平台累计促成融资156.9亿元，服务用户数5.02万，", "5.02万", "服务用户数"),
        ("全市已新增首贷户2795户，", "2795户", "新增首贷户"),
        ("办结简易注销5376家。", "5376家", "简易注销"),
        # shares name their whole; "from ... to" figures share their subject; a time names its action
        ("新增首贷户占存量贷款户数14.2%。", "14.2%", "占存量贷款户数"),
        ("平均兑现时限从原来4个月变为2个月以内。", "2个月", "兑现时限"),
        ("实现开办企业0成本、1环节办理，0.5天内办结。", "0.5天", "办结时长"),
        # a run of counts written back to back takes the noun after the whole run (and its class word)
        ("归集30多个部门118大类4000多细项4.17亿条信用信息，", "30多个", "部门"),
        ("归集30多个部门118大类4000多细项4.17亿条信用信息，", "118大类", "信用信息大类"),
        ("归集30多个部门118大类4000多细项4.17亿条信用信息，", "4000多细项", "信用信息细项"),
        ("归集30多个部门118大类4000多细项4.17亿条信用信息，", "4.17亿条", "信用信息"),
    ],
)
def test_labels_name_the_measured_thing(text, raw, label):
    metric = next(m for m in extract_metrics(text) if m.raw == raw)
    assert metric.label == label


@pytest.mark.parametrize(
    ("before", "after", "kind"),
    [
        ("实现", "", "count"),
        ("全市", "", "count"),
        ("举办", "", "count"),
        ("涵盖", "", "count"),
        ("归集", "", "count"),
        ("", "", "money"),
        ("累计", "，", "percent"),
        ("对", "", "duration"),
    ],
)
def test_a_label_is_never_empty_nor_a_bare_verb_adverb_or_place(before, after, kind):
    label = metric_label(before=before, after=after, kind=kind)
    assert MIN_LABEL <= len(label) <= MAX_LABEL and label not in BAD_LABELS


def test_long_phrases_keep_their_head_noun():
    label = metric_label(before="青岛市辖区银行业普惠型小微企业贷款余额", after="", kind="money")
    assert len(label) <= MAX_LABEL and label.endswith("贷款余额")


def heldout_items() -> list[dict]:
    return json.loads(HELDOUT.read_text(encoding="utf-8"))["items"]


def tuning_items() -> list[dict]:
    return json.loads(TUNING.read_text(encoding="utf-8"))["items"]


def label_accuracy(items: list[dict]) -> tuple[float, list[tuple]]:
    """Share of metrics whose label is one an editor accepts, and the misses (raw, label, first accepted)."""
    wrong = []
    for item in items:
        found = [m for m in extract_metrics(item["sentence"]) if m.raw == item["raw"]]
        label = found[item.get("occurrence", 0)].label if found else None
        if label not in item["acceptable"]:
            wrong.append((item["raw"], label, item["acceptable"][0]))
    return 1 - len(wrong) / len(items), wrong


def test_heldout_sample_is_large_and_varied():
    items = heldout_items()
    owners = {item["owner"] for item in items}
    assert len(items) >= 150
    assert sum(o.startswith("practice") for o in owners) >= 20
    assert sum(o.startswith("report") for o in owners) >= 3
    assert all(item["acceptable"] for item in items)


@pytest.mark.parametrize("items", [heldout_items, tuning_items], ids=["heldout", "tuning"])
def test_each_sample_item_names_one_figure_once(items):
    """An item points at one figure: no two items share sentence, figure and occurrence, and it exists."""
    keys = [(item["sentence"], item["raw"], item.get("occurrence", 0)) for item in items()]
    assert len(keys) == len(set(keys))
    assert all(sentence.count(raw) > occurrence for sentence, raw, occurrence in keys)


def test_tuning_sample_is_large_and_apart_from_the_heldout_sample():
    items = tuning_items()
    owners = {item["owner"] for item in items}
    assert len(items) >= 200
    assert all(item["acceptable"] for item in items)
    assert not any(o.startswith("practice") and int(o.split()[1]) % 3 == 0 for o in owners)
    assert not owners & {item["owner"] for item in heldout_items()}


# The rules were tuned on the tuning sample only (452 metrics: practices whose number is not a
# multiple of 3, and the case reports of sources 000, 002 and 004).  Tuning accuracy: 0.583 with the
# rules before issue 13's rework, 0.861 (389/452) after it, 0.876 (396/452) after the generalisation
# pass, which was judged by splitting the tuning owners in two halves (crc32 of the owner, even/odd):
# 243/278 = 0.874 and 153/174 = 0.879, a change kept only if it lowered neither half.  2026-12-07: runs of
# counts written back to back ("118大类4000多细项4.17亿条信用信息") take the noun after the run: 0.881 (398/452).
# Second generalisation pass (same split; only the even half's errors were read, classes fixed by
# structure - parenthesised figures, administrative levels, bodies counted by 家/户/名, determiners, light
# verbs, rate adverbs, durations, 为/向/给 objects, modal bounds, clause-opening actions, too-long phrases
# cut where bodies meet their action; cases in test_label_rules_classes.py): even 245 -> 254/278 = 0.914,
# odd 153 -> 154/174 = 0.885, in all 0.903 (408/452).  Several of these rules left both halves unchanged
# and were kept for fixing new made-up sentences written before their output was seen (31 -> 38 of 50).
# Then bodies are cut from their action only when a word headed by a verb follows them, so that the
# issue's own example keeps its noun ("72万多家市场主体信用建档" -> 市场主体信用建档, not 市场主体): the
# halves and the total are unchanged (408/452).
# Third generalisation pass (2026-12-07, same split, only the ODD half's errors read this time, the even
# half the check): determiners after a light verb, an action with its unit's noun, durations of an
# action (坚持年限), people counted by what they did, counts of events named by their verb, 海外-type
# words, members picked from a set, bare percentages named by the verb phrase after them, verbs joined
# to a noun after 的 (cases in test_label_rules_classes.py): odd 154 -> 162/174, even 254 -> 254/278,
# in all 0.920 (416/452).
TUNING_FLOOR = 0.92


def test_label_accuracy_on_the_tuning_sample_does_not_regress():
    accuracy, wrong = label_accuracy(tuning_items())
    assert accuracy >= TUNING_FLOOR, f"label accuracy={accuracy:.3f}; wrong: {wrong[:15]}"


# Held-out sample (168 metrics, written before the label rules and never used to tune them; only its
# aggregate accuracy is looked at).  0.702 (118/168) at the first measurement of the first rules;
# 0.714 (120/168) after later fixes (by then the held-out errors had been seen).  The rework of issue 13
# was tuned on the tuning sample above only, and the held-out sample measured three times, as an
# aggregate: 0.726, 0.726 and finally 0.732 (123/168); after the generalisation pass (clause context,
# ratio labels, rate heads) measured once more as an aggregate: 0.732 (123/168).  The tuning gains (0.58 -> 0.86) carry over
# only slightly, so the target (0.85) is not met: the strict xfail below tracks it and starts
# failing as soon as the target is reached; the floor guards against regressions.
# 2026-12-07: two items that meant the second 20% / 500项 of their sentence lacked "occurrence": 1 (fixed,
# no label changed): 0.738 (124/168).  A blind re-judgement of the same outputs by an editor who saw
# neither the rules nor the acceptable lists accepted 109/168 (0.649): metric_labels_heldout_review.json.
# A learned ranker over the jieba spans around the figure (logistic regression, owner-grouped 5-fold
# cross-validation on the tuning sample) reached 0.650 without the rules' output as a feature and 0.874
# with it (the rules alone: 0.876), although an acceptable label is among its candidates for 0.95 of
# the items: not adopted.  Tried again later the same day with richer candidates (the rule helpers' phrases
# as well, ~10 a figure, an acceptable one among them for 0.962) and generic features (side, distance,
# part of speech at both ends, length, kind of figure): 0.914 with the rules' choice as a feature (trained
# on all items it picks the rules' label for all 452), 0.832 without it, 0.721 on word spans and shape
# alone; not adopted, and its code not kept.  After the second generalisation pass (above), measured once as an aggregate:
# 0.744 (125/168); after the third, once: 0.750 (126/168).
# 2026-12-07, again: a learned ranker over ~19 structural candidates per figure (word spans before and
# after, the rule helpers' phrases, measure-word compositions; oracle coverage 0.967), logistic regression
# chosen by owner-grouped 5-fold CV on the tuning sample only: CV 0.854 with the helpers' phrases as
# features, 0.785 on word spans and shape alone.  Each measured once on the held-out sample as an
# aggregate: 0.756 (127/168) both, against the rules' 0.750 (practices 104/143, reports 22/25).  The one
# estimate on tuning text that is not in-sample (structure-only CV, 0.785) agrees: each method labels about
# three figures in four acceptably on unseen text.  Not adopted, code not kept (docs/derived-data.md).
HELDOUT_FLOOR, HELDOUT_TARGET = 0.75, 0.85


def test_label_accuracy_on_the_heldout_sample_does_not_regress():
    accuracy, wrong = label_accuracy(heldout_items())
    assert accuracy >= HELDOUT_FLOOR, f"label accuracy={accuracy:.3f}; wrong: {len(wrong)}"


@pytest.mark.xfail(strict=True, reason="issue 13 target: held-out label accuracy 0.750 < 0.85")
def test_label_accuracy_on_the_heldout_sample_reaches_the_target():
    accuracy, wrong = label_accuracy(heldout_items())
    assert accuracy >= HELDOUT_TARGET, f"label accuracy={accuracy:.3f}; wrong: {len(wrong)}"
