"""Name what a metric measures ("市场主体", "贷款余额") from the words around its figure.

Pure Python with jieba's part-of-speech tagger (word-level rules in
:mod:`practices.importer.label_rules`); no Django.  The extractor passes the
clause text before the figure (already cut after the previous figure and
stripped of dates and connectives) and the clause text after it.

Rules, in order (a judgement call always gets the best phrase, never a blank):

1. A noun phrase right after the figure, or after "的", names what is
   counted: "72万多家市场主体" -> 市场主体, "1亿元的授信额度" -> 授信额度.  It
   wins for counts, after "的", and when the figure stands between a verb and
   its object ("承担100%贷款风险" -> 贷款风险).  Before "的", a measure noun or
   the base of a share right before the figure wins ("额度不超过500万元的",
   "本金坏账损失50%的补助").  For amounts, rates and durations the subject
   before the figure wins ("贷款余额1681亿元").
2. Otherwise the noun phrase that ends the text before the figure: the walk
   back stops at the verb that governs it ("实地走访|企业", "发布|融资产品") but
   keeps a verb inside or opening a name ("知识产权质押融资", "注册用户数",
   "新增利润") and, for amounts and counts, an action named after its object
   ("首贷授信7.22亿元", "办结简易注销40210家").  When ``before`` starts right
   after another figure, the noun that figure counted is dropped first
   ("7601家|市场主体共获得融资144.49亿元" -> 融资).
3. Shares and changes: "新增首贷户占存量贷款户数14.2%" -> 占存量贷款户数,
   "民营经济实现税收同比增长26.4%" -> 税收同比增长, "不捕率从30.6%上升至37.5%"
   -> 不捕率 for both figures; "0.5天内办结" -> 办结时长, "坚持了4年" -> 坚持年限
   (:mod:`practices.importer.label_actions`).
4. Otherwise the label of the figure it is listed with, the noun phrase of
   the whole clause, the action with the unit's noun ("办结23139件" ->
   办结件数), any short phrase before the figure ("新设18家" -> 新设), else a
   word naming the kind of figure (金额, 数量 ...).
Counts of 家/户/名 name bodies: past a short relative clause ("30家符合条件的|企业")
and up to the bodies ("100家工商联所属商会|建立联系..."); a light verb's action is
named ("做出|不予处罚174起"); an adverb before a rate is kept ("自愿承诺率").
Labels are 2-12 characters and never a bare verb, adverb or place word
(:data:`BAD_LABELS`); longer phrases keep their last words (the head noun),
and a leading place is dropped ("温州地区民间融资综合利率水平" -> 民间融资综合利率水平).
"""

from __future__ import annotations

from practices.importer.label_actions import UNIT_NOUNS as _UNIT_NOUNS
from practices.importer.label_actions import action_duration, action_taken, duration_phrase
from practices.importer.label_rules import (
    AGENT_SUFFIXES,
    CHANGE_VERBS,
    GOVERNING_VERBS,
    LIGHT_VERBS,
    LINK_VERBS,
    Tag,
    after_phrase,
    before_phrase,
    is_noun,
    is_place_or_time,
    tag,
)

__all__ = ["BAD_LABELS", "MAX_LABEL", "MIN_LABEL", "metric_label"]

MIN_LABEL, MAX_LABEL = 2, 12

# Words that say nothing about what is measured when they stand alone.
BAD_LABELS = frozenset(
    "实现 全市 全省 全区 全县 全国 举办 涵盖 归集 累计 共计 合计 确定 组建 建立 设立 创建 培育 "
    "开展 推动 完成 达到 新增 增加 减少 提升 提高 降低 帮助 服务 提供 发现 签订 实施 形成 "
    "目前 其中 已经 全年 今年 同比 分别 共 已 对 为 将 在 "
    "这些 其他 各类 相关 有关 以上 以下 左右 约 近 超 达 发展 管理 建设 工作".split()
)

_KIND_FALLBACK = {
    "money": "金额",
    "count": "数量",
    "percent": "比例",
    "duration": "时长",
    "area": "面积",
    "multiple": "倍数",
    "ratio": "比例",
    "length": "长度",
}
_CHANGE_VERBS = CHANGE_VERBS
# Leading words of a phrase that are not part of the measured thing.
_LEADING_NOISE = tuple(
    "累计 共计 合计 总计 已经 已 共 全市 全省 全区 全县 全国 目前 当前 今年 其中 分别 均 "
    "对 为 将 向 与 并 还 又 再 都 先后 先行 成功 有效 直接 平均每天 每年 年均".split()
)
# A noun phrase naming a measure: before "的" it is what the figure gives ("额度不超过500万元的贷款企业").
_MEASURE_HEADS = tuple("规模 额度 金额 余额 总额 费 率 额 量 数 价 值 面积 时间 期限".split())
# Nouns a duration can measure ("3年的期限", "5天的办理时间").
_TIME_HEADS = ("期", "限", "时间", "时长", "周期", "天数")
_NO_QUOTES = str.maketrans("", "", '“”‘’「」『』"')
_BAD_SINGLE_FLAGS = ("v", "d", "ad", "vd", "p", "c", "u", "uj", "m", "q", "f", "r", "t")


def _text(tags: list[Tag]) -> str:
    return "".join(w for w, _ in tags)


def _acceptable(label: str, *, loose: bool = False, verbal_noun: bool = False) -> bool:
    """A label names something: not a bare verb, adverb or place.

    ``loose`` accepts any phrase of 2+ words; ``verbal_noun`` a lone verbal noun ("融资" for an amount).
    """
    if not MIN_LABEL <= len(label) <= MAX_LABEL or label in BAD_LABELS:
        return False
    tags = tag(label)
    if len(tags) == 1:
        word, flag = tags[0]
        if flag in _BAD_SINGLE_FLAGS or flag == "vn" and not (loose or verbal_noun) or is_place_or_time(word, flag):
            return False  # 印发, 合计, 温州: a bare action, adverb or place
        return True
    if loose:
        return not all(is_place_or_time(w, f) or w in BAD_LABELS for w, f in tags)
    # A phrase made only of place/time words or only of verbs/adverbs names nothing.
    return (
        any(is_noun(f) and not is_place_or_time(w, f) and w not in BAD_LABELS for w, f in tags)
        or any(w.endswith(_CHANGE_VERBS) for w, _ in tags)
        or (tags[0][1] in ("a", "b", "n", "s") and tags[-1][1].startswith("v"))
    )  # 简易注销, 海外并购


def _fit(tokens: list[Tag]) -> str:
    """Join tokens, dropping leading ones until the phrase is at most MAX_LABEL characters."""
    if sum(len(w) for w, _ in tokens) > MAX_LABEL:
        # too long: cut where bodies are followed by their action ("政府性融资担保机构|新增担保额")
        cuts = [
            i for i in range(1, len(tokens))
            if tokens[i][1] == "v" and tokens[i - 1][0].endswith(AGENT_SUFFIXES) and is_noun(tokens[i - 1][1])
        ]
        tokens = tokens[cuts[-1]:] if cuts else tokens
    while tokens and sum(len(w) for w, _ in tokens) > MAX_LABEL:
        tokens = tokens[1:]
    while tokens and (
        tokens[0][0] in _LEADING_NOISE
        or tokens[0][1] in {"uj", "ude1", "p", "c", "d", "m", "x"}
        and not tokens[0][0].endswith("级")
        and not _rate_manner(tokens)
    ):
        tokens = tokens[1:]
    # A rate keeps the attributes right before it, not the nouns that scope it
    # ("专用发票案|主动不捕率", "信保基金|年化利率").
    if len(tokens) > 2 and tokens[-1][0].endswith("率") and len(tokens[-1][0]) >= 3:
        at = len(tokens) - 1
        while at > 0 and tokens[at - 1][1] in ("a", "b", "d"):
            at -= 1
        if 0 < at < len(tokens) - 1:
            tokens = tokens[at:]
    # A leading place names where, not what ("温州地区民间融资综合利率水平", "市内企业信用贷款规模");
    # 网上, 线下 name a channel, 海外, 境外 a kind ("海外维权").
    while len(tokens) > 1 and (tokens[0][1] in ("ns", "s") and not tokens[0][0].endswith(("上", "下", "外")) or tokens[0][0] in ("地区", "辖区", "辖内", "内")):
        rest = tokens[1:]
        if not any(is_noun(f) and not is_place_or_time(w, f) for w, f in rest):
            break
        tokens = rest
    return _text(tokens)


def _rate_manner(tokens: list[Tag]) -> bool:
    """ "自愿|承诺率", "按期|还款率": the adverb says which rate, as in before_phrase."""
    return len(tokens) == 2 and tokens[0][1] in ("d", "ad") and len(tokens[0][0]) >= 2 and tokens[1][0].endswith("率")


def _strip_leading_noise(text: str) -> str:
    previous = None
    while text != previous:
        previous = text
        for word in _LEADING_NOISE:
            text = text.removeprefix(word)
    return text.translate(_NO_QUOTES)[-MAX_LABEL:]


def _after_governing(text: str) -> str:
    """The part of ``text`` after its last governing verb ("民营经济实现税收同比增长" -> 税收同比增长)."""
    tags = tag(text)
    cut = max((i + 1 for i, (w, _) in enumerate(tags) if w in GOVERNING_VERBS and i + 1 < len(tags)), default=0)
    return _text(tags[cut:])


def _change_phrase(before: str) -> str:
    """ "同比增长", "较年初增加": the change itself is what a rate or difference measures."""
    text = _after_governing(_strip_leading_noise(before)).replace("分别", "")
    if not text.endswith(_CHANGE_VERBS):
        return ""
    # "户数和金额同比分别增长30.9%和25.3%": one label fits both figures only without the subjects.
    if any(c in text for c in "和及、") and (at := max(text.find("同比"), text.find("较"))) >= 0:
        text = text[at:]
    return text[-MAX_LABEL:]


def _share_phrase(tags: list[Tag]) -> str:
    """ "新增首贷户占存量贷款户数14.2%" -> 占存量贷款户数: a share names its whole."""
    at = max((i for i, (w, f) in enumerate(tags) if w == "占" and f.startswith("v")), default=-1)
    if at < 0:
        return ""
    phrase, _ = before_phrase(tags[at + 1 :])
    label = "占" + _text(phrase)
    return label if len(phrase) and len(label) <= MAX_LABEL else ""


def _headed_by_verb(token: Tag) -> bool:
    """A verb, or a compound whose first two characters are one ("建立联系", "发放贷款"; not "信用")."""
    word, flag = token
    return flag.startswith("v") or (len(word) > 2 and tag(word[:2])[0][1].startswith("v"))


# Measure words that count events: a verb ending the text after them names the event ("12起跨境并购").
_EVENT_UNITS = frozenset("起 次 场 宗 例".split())
# Measure words that count bodies or people: "144家有代表性的|民营企业" counts firms, not a quality.
_AGENT_UNITS = frozenset("家 户 名 人 位 家次 户次".split())


def _agent_after_de(tags: list[Tag]) -> tuple[list[Tag], bool] | None:
    """The bodies a count of 家/户/名 counts when a short relative clause comes first ("符合条件的企业")."""
    at = next((i for i, (w, _) in enumerate(tags[:5]) if w == "的"), -1)
    if at <= 0 or any(f == "x" for _, f in tags[:at]):
        return None
    phrase, via_de = after_phrase(tags[at:])
    # the bodies end the phrase: what follows them is their predicate ("小微企业|减免担保费")
    while phrase and not _text(phrase).endswith(AGENT_SUFFIXES):
        phrase = phrase[:-1]
    return (phrase, via_de) if phrase else None


def _drop_previous_subject(tags: list[Tag]) -> list[Tag]:
    """Words opening ``before`` that the previous figure counted ("7601家|市场主体共获得融资")."""
    index = 0
    while index < len(tags) and (is_noun(tags[index][1]) or tags[index][1] in ("a", "b")):
        index += 1
    # "3年|实际地方贡献100%": a phrase that is all of ``before`` is this figure's own subject;
    # "从500多份|文件中精选出331份": a set this figure is picked from ("X中") is counted by it too
    if index >= len(tags) or tags[index][0] in ("中", "里", "之中") and tags[index][1] == "f":
        return tags
    return tags[index:]


def metric_label(*, before: str, after: str, kind: str, clause: str = "", previous: str = "", unit: str = "") -> str:
    """The 2-12 character name of what the figure between ``before`` and ``after`` measures.

    ``clause`` is the whole clause before the figure (used when ``before``, cut
    after a previous figure, names nothing); ``previous`` is the label of the
    figure it is listed with, if any; ``unit`` is the normalized unit.
    """
    if kind == "ratio" and (label := _ratio_phrase(after)):
        return label
    b_tags = tag(before)
    if before and len(clause) > len(before):
        b_tags = _drop_previous_subject(b_tags)
        before = _text(b_tags)
    a_tags = tag(after.lstrip(" \u3000（(次）)"))
    after_tokens, via_de = after_phrase(a_tags)
    if unit in _AGENT_UNITS and not _text(after_tokens).endswith(AGENT_SUFFIXES):
        after_tokens, via_de = _agent_after_de(a_tags) or (after_tokens, via_de)
        # "100家工商联所属商会|建立联系合作机制": the bodies end what a count of 家 or 户 names
        # (people, counted by 名, 人 or 位, have heads of their own: "千名企业员工")
        # ("72万多家市场主体|信用建档" keeps its noun: only words headed by a verb - 建立联系, 发放贷款,
        # which jieba tags as nouns whole - start the bodies' action)
        ends = [i for i, (w, _) in enumerate(after_tokens) if w.endswith(AGENT_SUFFIXES)]
        if (ends and not via_de and unit[:1] in "家户" and ends[-1] + 1 < len(after_tokens)
                and _headed_by_verb(after_tokens[ends[-1] + 1])):
            after_tokens = after_tokens[: ends[-1] + 1]
    rest = a_tags[len(after_tokens):]
    if (unit in _EVENT_UNITS and after_tokens and not via_de and len(rest) == 1 and rest[0][1] == "v"
            and len(rest[0][0]) >= 2 and not _text(after_tokens).endswith(AGENT_SUFFIXES)):
        after_tokens = [*after_tokens, rest[0]]  # "54起|海外并购": the event is named by its verb
    after_label = _fit(after_tokens)
    if kind == "duration" and via_de and not after_label.endswith(_TIME_HEADS):
        after_label = ""  # "上规3年内的|企业": the firms are not what lasts three years
    before_tokens, _ = before_phrase(b_tags, keep_verb=kind != "percent")
    before_label = _fit(before_tokens)
    change_label = _change_phrase(before)
    content = [t for t in b_tags if t[1] not in ("d", "ad")]
    last = content[-1] if content else ("", "")
    # The figure stands between a verb and its object: the object is measured ("承担100%贷款风险").
    object_follows = (
        last[1].startswith("v")
        and last[1] != "vn"
        and last[0] not in LINK_VERBS
        and not last[0].endswith(_CHANGE_VERBS)
        and after_label
    )
    adjacent = bool(before_tokens) and bool(b_tags) and before_tokens[-1] == b_tags[-1]
    # "服务费30%的财政补贴", "本金坏账损失50%的补助": a share is of the noun before it.
    measure_before = adjacent and (before_label.endswith(_MEASURE_HEADS) or b_tags[0][0] == "对" or kind == "percent")
    # "系统累计办理申请27万件": a noun cut off from the figure by verbs is their subject.
    tail = [t for t in b_tags if t[1] not in ("d", "ad") and t[0] not in LINK_VERBS]
    verb_tail = (
        bool(tail)
        and tail[-1][1].startswith("v")
        and tail[-1][1] != "vn"
        and before_tokens[-1:] != tail[-1:]
        and not tail[-1][0].endswith(_CHANGE_VERBS)
    )
    if verb_tail and kind == "count" and (measure := _verb_measure(b_tags, kind, unit)):
        before_label = measure
    if via_de and measure_before:
        order = [before_label, after_label, change_label]  # "额度不超过500万元的贷款企业"
    elif kind == "count" or via_de or object_follows:
        order = [after_label, before_label, change_label]
    elif kind in ("percent", "multiple"):
        order = [_share_phrase(b_tags), change_label, before_label, after_label]  # "民间投资增长13.9%"
    else:
        order = [before_label, change_label, after_label]
    # "平均兑现时限从原来4个月变为2个月": both figures measure the subject before 从.
    order.insert(0, _from_subject(before) or ("" if before_label else _from_subject(clause)))
    if kind == "duration":
        order.insert(0, duration_phrase(before_tokens, a_tags, anchored=bool(b_tags) and b_tags[-1][1] == "f"))
        order.insert(1, action_duration(b_tags, unit))
    elif kind == "count" and a_tags and a_tags[0][1] == "v" and len(a_tags[0][0]) >= 2 and unit in _UNIT_NOUNS:
        order.insert(2, action_taken(a_tags, unit, longest=MAX_LABEL))  # "300余人次参加" -> 参加人次
    # ``previous``: the label of the figure listed just before ("余额分别为7729亿元、6101亿元").
    order.append(previous)
    # an action with its unit's noun is a name although jieba may tag the noun a measure word (派出|批次)
    verb_measure = _verb_measure(b_tags, kind, unit)
    order.append(verb_measure)
    order.append(_fit(before_phrase(tag(clause))[0]))
    # "做出|不予处罚174起": the action a light verb introduces is named, verbs and all.
    at = len(b_tags) - len(before_tokens) - 1
    while at > 0 and b_tags[at][1] == "r":
        at -= 1  # "开展|各类|监测": a determiner between the light verb and its object
    light_object = bool(before_tokens) and at >= 0 and b_tags[at][0] in LIGHT_VERBS
    for label in order:
        loose = light_object and label == before_label or label == verb_measure
        if label and _acceptable(label, loose=loose, verbal_noun=kind == "money"):
            return label
    # Last resort before a generic word: the words before the figure ("在站100多名", "新设18家").
    for label in (_strip_leading_noise(_after_governing(before)), _strip_leading_noise(before), after_label):
        if label and _acceptable(label, loose=True):
            return label
    # "75%以上|用于开展企业间合作": a share with nothing before it is named by what it goes to
    if kind == "percent" and len(a_tags) > 1 and a_tags[0][1] == "v" and is_noun(a_tags[-1][1]):
        if _acceptable(label := _text(a_tags), loose=True):
            return label
    return _KIND_FALLBACK.get(kind, "数值")


_FROM = ("从", "由")


def _from_subject(text: str) -> str:
    """ "不捕率从2018年以前的30.6%上升至" -> 不捕率: the subject of a change "from ... to ..."."""
    at = max(text.rfind(word) for word in _FROM)
    if at <= 0:
        return ""
    rest = tag(text[at + 1 :])
    changes = any(w.endswith(_CHANGE_VERBS + ("变为", "增至", "降至", "回落", "缩短", "延长", "压减")) for w, _ in rest)
    if not changes and any(is_noun(f) and not is_place_or_time(w, f) for w, f in rest):
        return ""
    return _fit(before_phrase(tag(text[:at]))[0])


def _verb_measure(tags: list[Tag], kind: str, unit: str) -> str:
    """A bare action names its measure with the unit's noun: "办结23139件" -> 办结件数, "转贷2340亿元" -> 转贷金额."""
    run: list[Tag] = []
    for word, flag in reversed(tags):
        # a one-character verb is a complement ("精选出"), not a name
        if not flag.startswith("v") or word in _LEADING_NOISE or len(run) == 2 or len(word) < 2:
            break
        run.insert(0, (word, flag))
    if run and run[0][0] in GOVERNING_VERBS and len(run) == 2:
        run = run[1:]
    noun = _UNIT_NOUNS.get(unit) if kind == "count" else _KIND_FALLBACK.get(kind)
    verb = _text(run)
    return verb + noun if len(verb) >= 2 and noun and verb not in BAD_LABELS | {"为", "是", "有"} else ""


def _ratio_phrase(after: str) -> str:
    """ "按1：1出资" -> 出资比例, "以6：2：2比例分担风险" -> 风险分担比例: a ratio names how something is shared."""
    tags = [t for t in tag(after.removeprefix("的").removeprefix("比例").removeprefix("的比例")) if t[1] != "d"]
    if tags and tags[0][0] in GOVERNING_VERBS and len(tags) > 1:
        phrase, _ = after_phrase(tags[1:])  # "给予配套资金" -> 配套资金比例
        return _fit([*phrase, ("比例", "n")]) if phrase else ""
    # jieba tags some such verbs as adjectives (配套 -> a)
    if not tags or not tags[0][1].startswith(("v", "a")) or len(tags[0][0]) < 2 or tags[0][0] in LINK_VERBS:
        return ""
    verb = tags[0][0]
    obj = tags[1][0] if len(tags) > 1 and is_noun(tags[1][1]) and tags[1][1] != "vn" else ""
    label = obj + verb + "比例"
    return label if len(label) <= MAX_LABEL else verb + "比例"
