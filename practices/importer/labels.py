"""Name what a metric measures ("市场主体", "贷款余额") from the words around its figure.

Pure Python with jieba's part-of-speech tagger; no Django.  The extractor
passes the clause text before the figure (already cut after the previous
figure and stripped of dates and connectives) and the clause text after it.

Rules, in order (a judgement call always gets the best phrase, never a blank):

1. A noun phrase right after the figure, or after "的", names what is
   counted: "72万多家市场主体" -> 市场主体, "1亿元的授信额度" -> 授信额度.  It
   wins for counts and whenever it follows "的"; for amounts, rates and
   durations the subject before the figure wins ("贷款余额1681亿元").
2. Otherwise the noun phrase that ends the text before the figure, once the
   governing verb and prepositions after it are dropped: "注册企业14万家" ->
   注册企业, "将转贷时间延长至15天" -> 转贷时间, "发现率提升到86%" -> 发现率.
3. Otherwise a verb phrase of change ("同比增长", "较年初增加"), else the
   object of the verb after the figure, else the last noun of the clause,
   else a word naming the kind of figure (金额, 数量 ...).
Labels are 2-12 characters and never a bare verb, adverb or place word
(:data:`BAD_LABELS`); longer phrases keep their last words (the head noun).
"""

from __future__ import annotations

import threading

from practices.importer.segmentation import tokenizer

__all__ = ["BAD_LABELS", "MAX_LABEL", "MIN_LABEL", "metric_label"]

MIN_LABEL, MAX_LABEL = 2, 12

# Words that say nothing about what is measured when they stand alone.
BAD_LABELS = frozenset(
    "实现 全市 全省 全区 全县 全国 举办 涵盖 归集 累计 共计 合计 确定 组建 建立 设立 创建 培育 "
    "开展 推动 完成 达到 新增 增加 减少 提升 提高 降低 帮助 服务 提供 发现 签订 实施 形成 "
    "目前 其中 已经 全年 今年 同比 分别 共 已 对 为 将 在 "
    "这些 其他 各类 相关 有关 以上 以下 左右 约 近 超 达".split()
)

_KIND_FALLBACK = {
    "money": "金额", "count": "数量", "percent": "比例", "duration": "时长", "area": "面积", "multiple": "倍数",
}
_NOUN_FLAGS = frozenset({"n", "nz", "nt", "ng", "nr", "nrt", "nrfg", "vn", "an", "j", "l", "eng", "ns", "s"})
_MODIFIER_FLAGS = frozenset({"a", "b", "q"})
_PLACE_OR_TIME = frozenset({"ns", "s", "t", "f", "r"})
_CHANGE_VERBS = ("增长", "增加", "下降", "减少", "提高", "提升", "降低", "增幅", "增速", "上升")
# Leading words of a phrase that are not part of the measured thing.
_LEADING_NOISE = ("累计", "共计", "合计", "总计", "已经", "已", "共", "全市", "全省", "全区", "全县", "全国",
                  "目前", "当前", "今年", "其中", "分别", "均", "对", "为", "将", "向", "与", "并", "还", "又",
                  "再", "都", "先后", "先行", "成功", "有效", "直接", "平均每天", "每年", "年均")

# The noun that counts a unit ("办结23139件" -> 办结件数).
_UNIT_NOUNS = {"人": "人数", "名": "人数", "位": "人数", "人次": "人次", "家": "家数", "户": "户数", "家次": "家次",
               "件": "件数", "件次": "件次", "笔": "笔数", "次": "次数", "场": "场次", "场次": "场次", "个": "个数",
               "项": "项数", "条": "条数", "份": "份数", "期": "期数", "批": "批次"}
_NO_QUOTES = str.maketrans("", "", "“”‘’「」『』\"")

_pos_lock = threading.Lock()
_pos_tagger = None


def _tag(text: str) -> list[tuple[str, str]]:
    global _pos_tagger
    if _pos_tagger is None:
        with _pos_lock:
            if _pos_tagger is None:
                import jieba.posseg

                _pos_tagger = jieba.posseg.POSTokenizer(tokenizer())
    return [(pair.word, pair.flag) for pair in _pos_tagger.cut(text)]


# Heads too generic to stand alone: the verb before them is part of the name
# ("转贷资金", "使用费用", "担保费率", "注册企业", "发现率").
_GENERIC_HEADS = frozenset("资金 时间 费用 费率 金额 规模 余额 额度 期限 天数 倍数 企业 率 额 量 数".split())
# Verbs that govern an object rather than modify it ("帮助企业" is not a kind of firm).
_GOVERNING_VERBS = frozenset("帮助 实现 提供 完成 开展 获得 给予 支持 服务 推动 引导 覆盖 涉及 惠及 达到 累计".split())
# Single characters that end a measure noun; jieba often tags them as verbs (率 -> v).
_MEASURE_SUFFIXES = frozenset("率额量数费价值")


def _is_noun(flag: str) -> bool:
    return flag in _NOUN_FLAGS


# Nouns of this domain that jieba tags as something else (支行 -> v, 清单 -> a, 表 -> v).
_NOUNS = frozenset("支行 清单 表 专席 网点 门店 分行 窗口 专区".split())


def _normalise_tags(tags: list[tuple[str, str]]) -> list[tuple[str, str]]:
    return [(w, "n") if w in _MEASURE_SUFFIXES or w in _NOUNS else (w, f) for w, f in tags]


def _acceptable(label: str) -> bool:
    if not MIN_LABEL <= len(label) <= MAX_LABEL or label in BAD_LABELS:
        return False
    tags = _normalise_tags(_tag(label))
    if len(tags) == 1 and tags[0][1] in ("vn", "v", "d", "ad", "vd"):
        return False  # 印发, 合计: a bare action or adverb
    # A phrase made only of place/time words or only of verbs/adverbs names nothing.
    return any(_is_noun(f) and not _is_place_or_time(w, f) and w not in BAD_LABELS for w, f in tags) or any(
        w.endswith(_CHANGE_VERBS) for w, _ in tags
    )


def _is_place_or_time(word: str, flag: str) -> bool:
    # jieba tags some plain nouns as places (维度 -> ns): only a place suffix makes a place.
    if flag == "ns":
        return word.endswith(tuple("省市区县镇乡村州国"))
    return flag in _PLACE_OR_TIME


def _fit(tokens: list[tuple[str, str]]) -> str:
    """Join tokens, dropping leading ones until the phrase is at most MAX_LABEL characters."""
    while tokens and sum(len(w) for w, _ in tokens) > MAX_LABEL:
        tokens = tokens[1:]
    while tokens and (tokens[0][0] in _LEADING_NOISE or tokens[0][1] in {"uj", "ude1", "p", "c", "d", "m", "x"}
                      and not tokens[0][0].endswith("级")):
        tokens = tokens[1:]
    return "".join(w for w, _ in tokens)


def _after_phrase(after: str) -> tuple[str, bool]:
    """Noun phrase at the start of ``after`` and whether it followed "的"."""
    after = after.lstrip(" \u3000（(次）)")
    # A quoted name is one noun and does not end the phrase ("8项“秒到”企业政策").
    quoted: list[tuple[str, str]] = []
    if after and after[0] in "“「『" and (close := after.find("”」』"["“「『".index(after[0])])) > 1:
        quoted, after = [(after[1:close], "nz")], after[close + 1:]
    tags = quoted + _normalise_tags(_tag(after.translate(_NO_QUOTES)))
    via_de = bool(tags) and tags[0][0] == "的"
    if via_de:
        tags = tags[1:]
    phrase: list[tuple[str, str]] = []
    for index, (word, flag) in enumerate(tags):
        nominal = _is_noun(flag) or flag in _MODIFIER_FLAGS
        # A leading verb may modify the noun after it ("疑似金融风险企业", "担保风险").
        next_is_noun = index + 1 < len(tags) and _is_noun(tags[index + 1][1])
        verb_modifier = flag.startswith("v") and next_is_noun and not phrase
        grade = flag == "m" and word.endswith("级") and next_is_noun  # "7个一级指标"
        if not (nominal or verb_modifier or grade) or word in ("等", "的"):
            break
        phrase.append((word, flag))
    while phrase and not _is_noun(phrase[-1][1]):
        phrase.pop()
    return _fit(phrase), via_de


def _before_phrase(before: str) -> str:
    """Noun phrase ending ``before`` once trailing verbs, prepositions and adverbs are dropped."""
    tags = _normalise_tags(_tag(before))
    while tags and not _is_noun(tags[-1][1]):
        tags.pop()
    phrase: list[tuple[str, str]] = []
    index = len(tags) - 1
    while index >= 0:
        word, flag = tags[index]
        inner_verb = flag.startswith("v") and phrase and index > 0 and _is_noun(tags[index - 1][1])
        # jieba splits some compounds off a one-character numeral-like word (首/贷户, 年/化利率).
        glued = flag == "m" and len(word) == 1 and phrase and word not in "一二三四五六七八九十两几多"
        if not (_is_noun(flag) or flag in _MODIFIER_FLAGS or inner_verb or glued) or word in ("等", "的"):
            break
        phrase.insert(0, (word, flag))
        index -= 1
    while phrase and phrase[0][1].startswith("v"):
        phrase.pop(0)
        index += 1
    head = "".join(w for w, _ in phrase)
    if head in _GENERIC_HEADS and index >= 0:
        word, flag = tags[index]
        if flag.startswith("v") and len(word) >= 2 and word not in _GOVERNING_VERBS:
            phrase.insert(0, (word, flag))
    return _fit(phrase)


def _strip_leading_noise(text: str) -> str:
    previous = None
    while text != previous:
        previous = text
        for word in _LEADING_NOISE:
            text = text.removeprefix(word)
    return text.translate(_NO_QUOTES)[-MAX_LABEL:]


def _change_phrase(before: str) -> str:
    """"同比增长", "较年初增加": the change itself is what a rate or difference measures."""
    text = _strip_leading_noise(before)
    for verb in _CHANGE_VERBS:
        if text.endswith(verb):
            return text[-MAX_LABEL:].replace("分别", "")
    return ""


def metric_label(*, before: str, after: str, kind: str, clause: str = "", previous: str = "",
                 unit: str = "") -> str:
    """The 2-12 character name of what the figure between ``before`` and ``after`` measures.

    ``clause`` is the whole clause before the figure (used when ``before``, cut
    after a previous figure, names nothing); ``previous`` is the label of the
    figure it is listed with, if any; ``unit`` is the normalized unit.
    """
    after_label, via_de = _after_phrase(after)
    before_label = _before_phrase(before)
    change_label = _change_phrase(before)
    if kind == "count" or via_de:
        order = [after_label, before_label, change_label]
    elif kind in ("percent", "multiple") and change_label:
        order = [change_label, before_label, after_label]  # "民间投资增长13.9%"
    else:
        order = [before_label, change_label, after_label]
    order.append(_before_phrase(clause))
    # ``previous``: the label of the figure listed just before ("余额分别为7729亿元、6101亿元").
    order.append(previous)
    order.append(_verb_measure(before, kind, unit))
    # Last resort before a generic word: the governing verb phrase itself ("累计出资" -> 出资).
    order.append(_strip_leading_noise(before) if len(_tag(before)) > 1 or len(before) > 2 else "")
    for label in order:
        if label and _acceptable(label):
            return label
    return _KIND_FALLBACK.get(kind, "数值")


def _verb_measure(before: str, kind: str, unit: str) -> str:
    """A bare action names its measure with the unit's noun: "办结23139件" -> 办结件数, "转贷2340亿元" -> 转贷金额."""
    tags = _tag(_strip_leading_noise(before))
    if not tags or not all(f.startswith("v") or f == "vn" for _, f in tags) or len(tags) > 2:
        return ""
    noun = _UNIT_NOUNS.get(unit) if kind == "count" else _KIND_FALLBACK.get(kind)
    verb = "".join(w for w, _ in tags)
    return verb + noun if noun and verb not in BAD_LABELS | {"为", "是", "有"} else ""
