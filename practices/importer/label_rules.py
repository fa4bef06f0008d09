"""Word-level rules behind :mod:`practices.importer.labels`: tagging and noun-phrase walks.

Pure Python with jieba's part-of-speech tagger; no Django.  jieba's general
dictionary splits or mis-tags words of this domain (首/贷户, 告知/书, 办理 as a
noun), so tags are corrected here before any phrase is read; the shared
tokenizer itself is left alone (places, similarity and search use it too).
"""

from __future__ import annotations

import threading

from practices.importer.segmentation import tokenizer

Tag = tuple[str, str]

NOUN_FLAGS = frozenset({"n", "nz", "nt", "ng", "nr", "nrt", "nrfg", "vn", "an", "j", "l", "eng", "ns", "s"})
MODIFIER_FLAGS = frozenset({"a", "b", "q"})
_PLACE_OR_TIME = frozenset({"ns", "s", "t", "f", "r"})
# Verbs that take the measured thing as their object: the phrase starts after them
# ("实地走访|企业", "市级领导领衔破解|难题", "平台累计促成|融资").
GOVERNING_VERBS = frozenset(
    "帮助 实现 提供 完成 开展 获得 获 给予 给与 支持 服务 推动 引导 覆盖 涉及 惠及 达到 达 累计 共有 建有 拥有 有 已有 "
    "发放 挽回 建成 建立 走访 破解 解决 对接 设立 办理 办结 发布 梳理 收回 签订 促成 组织 推出 上线 兑现 带动 吸引 "
    "引进 节约 节省 受理 归集 整合 导入 开设 开具 派出 举办 开办 出台 培育 创建 组建 落实 处理 化解 避免 承担 "
    "使用 增至 达成 选派 聘请 招收 培养 为 是 占 超过 超 突破 缩短 延长 压缩 缩减 汇集 聚集 摸排 拓展 研发 查封 "
    "低于 高于 不低于 不超过 进行 做出 作出".split()
)
# Verbs that say only that an action took place: the action after them is what is counted.
LIGHT_VERBS = frozenset("做出 作出 进行 开展 给予 实施 组织 举办 完成 实现".split())
# Verbs that end a phrase before a figure without naming anything ("回落到", "延长至").
LINK_VERBS = frozenset("到 至 为 达 达到 变为 改为 增至 降至 提升到 提高到 超过 超 突破 预计 约 是 有 新增".split())
# Modal verbs and bounds between a measure and its figure ("单笔担保金额最高可达1000万元").
_LIMITS = frozenset("可 可以 能 能够 最高 最低 最多 最少 最长 最短 最快 最大 最小".split())
# Governing verbs that still take their object after the figure when they follow a noun
# ("技术产权获得|1.9亿元融资"); the others name an action after its object ("贷款发放19宗").
_BEFORE_FIGURE = frozenset(
    "获得 获 拥有 共有 有 建有 为 是 占 超过 超 突破 达 引进 吸引 挽回 节约 节省 避免 缩短 延长 压缩 缩减 回落".split()
)
# Single characters that end a measure noun; jieba often tags them as verbs or numerals (率 -> v, 点 -> m).
_SUFFIX_NOUNS = frozenset("率额量数费价值书点所团站")
_MEASURE_SUFFIXES = frozenset("率额量数费价值")
CHANGE_VERBS = ("增长", "增加", "下降", "减少", "提高", "提升", "降低", "增幅", "增速", "上升")
# Heads too generic to stand alone: the verb before them is part of the name ("转贷资金", "注册企业").
GENERIC_HEADS = frozenset(
    "资金 时间 时限 时长 费用 费率 金额 规模 余额 额度 期限 天数 倍数 数量 企业 率 额 量 数".split()
)
# Verbs that govern an object rather than name it ("帮助企业" is not a kind of firm).
_OBJECT_TAKING = frozenset("帮助 实现 提供 完成 开展 获得 给予 支持 服务 推动 引导 覆盖 涉及 惠及 达到 累计".split())
# Nouns of this domain that jieba tags as something else (支行 -> v, 清单 -> a, 表 -> v).
_NOUNS = frozenset(
    "支行 清单 表 专席 网点 门店 分行 窗口 专区 首贷 首贷户 年化 时长 律所 研发团 收入 诉求 线上 线下 补助 奖补 补贴 中方 举措 措施 专精特新 海归".split()
)
# Words jieba's dictionary tags as nouns although they act as verbs here (办理 -> n, 惠及 -> ns).
_VERBS = frozenset("办理 上线 扫码 惠及 研发".split())
# Prepositions whose object is whom an action is for or aimed at ("为企业减免", "向银行申请").
_PP_HEADS = frozenset("为 向 给".split())
_PREPOSITIONS = frozenset("因案 因 从 向 由 对 在".split())
# Verbs that follow their subject inside a clause ("银行机构新增|首贷户", "市场主体扫码").
_SUBJECT_VERBS = frozenset("新增 扫码 参与 参加 入驻 申请 获批".split())
# Ends of words naming people or bodies: what a count of 家, 户, 名 classifies.
AGENT_SUFFIXES = ("企业", "单位", "会", "机构", "主体", "干部", "人员", "部门", "人才", "户", "者", "员", "银行", "行")
# Bodies and people an action acts on ("培训|企业财务人员"); not 会, which also ends events (座谈会).
_ACTED_ON = tuple(suffix for suffix in AGENT_SUFFIXES if suffix != "会") + ("商会", "协会")
# Words jieba tags as nouns that act as adverbs before a verb ("8大平台|精准构建").
_ADVERBS = frozenset("精准 全面 有效 积极 持续 切实".split())
_NUMERALS = "一二三四五六七八九十百千万亿两几多余〇零"
# Determiners jieba glues to the noun they pick ("各项政策", "各级党委").
_DETERMINERS = frozenset("各项 各级 各个 各类 各种 各地 各界".split())
_QUOTE_PAIRS = {"“": "”", "「": "」", "『": "』", "‘": "’"}

_pos_lock = threading.Lock()
_pos_tagger = None


def _raw_tags(text: str) -> list[Tag]:
    global _pos_tagger
    if _pos_tagger is None:
        with _pos_lock:
            if _pos_tagger is None:
                import jieba.posseg

                _pos_tagger = jieba.posseg.POSTokenizer(tokenizer())
    return [(pair.word, pair.flag) for pair in _pos_tagger.cut(text)]


def tag(text: str) -> list[Tag]:
    """Tagged words of ``text``; a short quotation is one name ("“证照并销”事项" -> 证照并销, 事项)."""
    tags: list[Tag] = []
    rest = text
    while rest:
        opens = [(rest.find(q), q) for q in _QUOTE_PAIRS if q in rest]
        if not opens:
            tags += _raw_tags(rest)
            break
        start, quote = min(opens)
        close = rest.find(_QUOTE_PAIRS[quote], start + 1)
        if close < 0:
            tags += _raw_tags(rest[:start] + rest[start + 1 :])
            break
        tags += _raw_tags(rest[:start]) if start else []
        inner = rest[start + 1 : close]
        if inner and len(inner) <= 12 and not any(c in inner for c in "，,。；;、"):
            tags.append((inner, "nz"))
        elif inner:
            tags += _raw_tags(inner)
        rest = rest[close + 1 :]
    return _merge(_retag(tags))


def _retag(tags: list[Tag]) -> list[Tag]:
    out = []
    for word, flag in tags:
        if word[:2] in _DETERMINERS and len(word) >= 4 and "各" not in word[2:] and is_noun(flag):
            out.append((word[:2], "r"))  # "各项政策", "各级政府": a determiner, then the noun it picks
            word, flag = word[2:], "n"
        if word in _NOUNS or word in _MEASURE_SUFFIXES:
            flag = "n"
        elif word in _VERBS:
            flag = "v"
        elif word in _PREPOSITIONS:
            flag = "p"
        elif word in _ADVERBS:
            flag = "d"
        elif word in ("全年", "正面", "负面", "年度"):
            flag = "b"
        out.append((word, flag))
    return out


def _merge(tags: list[Tag]) -> list[Tag]:
    """Glue split compounds: 告知+书, 关注+率, 风险+点, 首+贷户, 时+长."""
    out: list[Tag] = []
    for word, flag in tags:
        if out:
            prev_word, prev_flag = out[-1]
            joined = prev_word + word
            suffix = (
                len(word) == 1
                and word in _SUFFIX_NOUNS
                and prev_flag not in ("m", "x", "p", "c", "u", "uj", "d")
                and not prev_word.endswith(tuple(_SUFFIX_NOUNS))
            )
            prefix = (
                len(prev_word) == 1
                and prev_flag == "m"
                and prev_word not in _NUMERALS
                and (is_noun(flag) or flag in ("m", "q"))
            )
            if joined in _NOUNS or suffix or prefix:
                out[-1] = (joined, "n")
                continue
        out.append((word, flag))
    # "不+起诉率": a negation is part of the rate it names
    for at in range(len(out) - 1, 0, -1):
        if out[at - 1][0] in ("不", "未", "非") and out[at][0].endswith("率") and is_noun(out[at][1]):
            out[at - 1 : at + 1] = [(out[at - 1][0] + out[at][0], "n")]
    return out


def is_noun(flag: str) -> bool:
    return flag in NOUN_FLAGS


def is_place_or_time(word: str, flag: str) -> bool:
    # jieba tags some plain nouns as places (维度, 城市 -> ns): only a place suffix on a name makes a place.
    if flag == "ns":
        return word.endswith(tuple("省市区县镇乡村州国")) and word not in ("城市", "都市", "省市")
    return flag in _PLACE_OR_TIME


def _governing(word: str, flag: str) -> bool:
    return word in GOVERNING_VERBS and flag != "vn"  # 服务 as a noun ("服务用户数") governs nothing


def _keeps_last_verb(tags: list[Tag]) -> bool:
    """ "首贷授信", "银企融资撮合", "民间融资成交登记": an action named after its object."""
    run = 0
    while run < 2 and run < len(tags) and tags[-1 - run][1].startswith("v") and tags[-1 - run][1] != "vn":
        word = tags[-1 - run][0]
        nominal = run == 0 and len(tags) > 1 and is_noun(tags[-2][1]) and word not in _BEFORE_FIGURE | _OBJECT_TAKING
        if _governing(word, "v") and not nominal or word in LINK_VERBS or word.endswith(CHANGE_VERBS):
            return False
        run += 1
    named = tags[-1 - run] if run < len(tags) else ("", "x")
    # a light verb before the action makes it its object: "做出|不予处罚", "开展|培训"
    if run > 0 and named[0] in LIGHT_VERBS:
        return True
    # a noun or an attribute before the action: "首贷授信", "简易注销"
    return run > 0 and (is_noun(named[1]) or named[1] in ("a", "b")) and not is_place_or_time(*named)


def _pp_objects(tags: list[Tag]) -> set[int]:
    """Indexes of the nouns a preposition of beneficiary or target governs ("为|中小企业|返还")."""
    objects: set[int] = set()
    for at, (word, flag) in enumerate(tags):
        if flag == "p" and word in _PP_HEADS:
            end = at + 1
            while end < len(tags) and (is_noun(tags[end][1]) or tags[end][1] in MODIFIER_FLAGS):
                objects.add(end)
                end += 1
    return objects


def before_phrase(tags: list[Tag], *, keep_verb: bool = False) -> tuple[list[Tag], int]:
    """Noun phrase ending ``tags`` and the index of the word before it (-1 at the start).

    Trailing adverbs, prepositions and verbs are dropped; with ``keep_verb`` a last
    action that is not a governing verb stays ("首贷授信").  The walk back stops at a
    governing verb, and at a verb after a noun (its subject: "银行机构新增|首贷户")
    unless the phrase so far is a generic measure ("资金兑付办理时限" -> 办理时限); also at
    the object of 为/向/给 before an action, and at an action opening the clause
    before the bodies it acts on ("共培训|企业财务人员").
    """
    tags = list(tags)
    while tags and (tags[-1][0] in LINK_VERBS | _LIMITS or tags[-1][1] in ("d", "ad", "ul", "uj")):
        tags.pop()  # "信贷投入新增6亿元", "已经坚持", "担保金额最高可(达)"
    if not (keep_verb and _keeps_last_verb(tags)):
        while tags and not is_noun(tags[-1][1]):
            tags.pop()
    phrase: list[Tag] = []
    index = len(tags) - 1
    pp_objects = _pp_objects(tags)
    while index >= 0:
        word, flag = tags[index]
        if _governing(word, flag) and not (index == len(tags) - 1 and keep_verb) or word in ("等", "的"):
            break
        if index in pp_objects and any(f == "v" for _, f in phrase):
            break  # "为中小企业|返还失业保险费", "给小微企业|减免租金": whom the action is for, not what it gives
        if (
            flag == "vn"
            and len(word) >= 2
            and phrase
            and "".join(w for w, _ in phrase).endswith(_ACTED_ON)
            and (index == 0 or not (is_noun(tags[index - 1][1]) or tags[index - 1][1] in MODIFIER_FLAGS))
        ):
            break  # "共培训|企业财务人员", "累计培育|专精特新企业": an action opening the clause acts on them
        verb = flag.startswith("v") and flag != "vn"
        before = tags[index - 1] if index > 0 else ("", "x")
        head = "".join(w for w, _ in phrase)
        trailing_verb = verb and (
            not phrase or phrase[-1][1].startswith("v") and phrase[-1][1] != "vn" and len(phrase) == 1
        )
        if verb and phrase and not trailing_verb:
            if len(word) == 1:
                inside = is_noun(before[1])  # 续贷, 并销: one-character verbs inside a name
            elif (
                is_noun(before[1])
                and not is_place_or_time(*before)
                and before[0] not in GOVERNING_VERBS
                and word in _SUBJECT_VERBS
            ):
                # "招聘活动", "提升培训": a verb before an event noun names its kind
                inside = head in GENERIC_HEADS or head.endswith(tuple(_MEASURE_SUFFIXES)) or phrase[0][1] == "vn"
            else:
                inside = True  # "创新实践基地", "注册用户数", "新增首贷户"
            if not inside:
                break
        if flag == "q" and (before[1] in ("m", "x") or before[0][-1:].isdigit()):
            break  # the measure word of a figure ("500多份|文件")
        glued = flag == "m" and len(word) == 1 and phrase and word not in _NUMERALS
        coordinated = word in ("和", "及", "与") and phrase and is_noun(before[1])  # 企业和个人
        # "自愿|承诺率", "按期|还款率": an adverb before a rate says which rate it is
        rate_manner = flag in ("d", "ad") and len(word) >= 2 and len(phrase) == 1 and phrase[0][0].endswith("率")
        if not (is_noun(flag) or flag in MODIFIER_FLAGS or verb or glued or coordinated or rate_manner):
            break
        phrase.insert(0, (word, flag))
        index -= 1
    while phrase and phrase[0][0] in ("和", "及", "与"):
        phrase.pop(0)
    # A generic head takes the action before it ("兑现资金", "转贷资金", "注册企业").
    if len(phrase) == 1 and phrase[0][0] in GENERIC_HEADS and index >= 0:
        word, flag = tags[index]
        if flag.startswith("v") and len(word) >= 2 and word not in _OBJECT_TAKING:
            phrase.insert(0, (word, flag))
            index -= 1
    return phrase, index


def after_phrase(tags: list[Tag]) -> tuple[list[Tag], bool]:
    """Noun phrase at the start of ``tags`` and whether it followed "的"."""
    via_de = bool(tags) and tags[0][0] == "的"
    if via_de:
        tags = tags[1:]
    phrase: list[Tag] = []
    for index, (word, flag) in enumerate(tags):
        nominal = is_noun(flag) or flag in MODIFIER_FLAGS
        # A leading verb may modify the noun after it ("疑似金融风险企业", "担保风险").
        next_is_noun = index + 1 < len(tags) and is_noun(tags[index + 1][1])
        verb_modifier = flag.startswith("v") and next_is_noun and not phrase
        # after 的, a word coordinated with a noun is a noun too ("的手续与时限": jieba tags 手续 a verb)
        conjunct = (
            via_de and not phrase and flag.startswith("v") and index + 2 < len(tags)
            and tags[index + 1][0] in ("和", "及", "与") and is_noun(tags[index + 2][1])
        )
        grade = flag == "m" and word.endswith("级") and next_is_noun  # "7个一级指标"
        coordinated = word in ("和", "及", "与") and phrase and next_is_noun
        # A verb between nouns is part of the name ("知识产权质押融资专项资金池").
        inner_verb = via_de and flag.startswith("v") and phrase and next_is_noun and not _governing(word, flag)
        if not (nominal or verb_modifier or conjunct or grade or coordinated or inner_verb) or word in ("等", "的"):
            break
        if phrase and is_place_or_time(word, flag):
            break  # "评价体系|温州市地方标准"
        phrase.append((word, flag))
    # A verbal noun ending the phrase before more text is its predicate ("城市|合作建立了").
    rest = tags[len(phrase) :]
    if len(phrase) > 1 and phrase[-1][1] == "vn" and rest and rest[0][1][:1] in ("v", "u", "d", "p"):
        phrase.pop()
    if not via_de:
        # Counted people or bodies end the phrase when an action follows them
        # ("商协会|设置金宏户头", "企业单位|调研", "领导干部|书面签订").
        predicate = bool(rest) and rest[0][1].startswith("v") and rest[0][1] != "vn"
        for index in range(1, len(phrase)):
            tail = phrase[index:]
            if phrase[index - 1][0].endswith(AGENT_SUFFIXES) and (
                tail[0][1] == "vn"
                and len(tail) <= 3
                and tail[-1][1] != "vn"
                or tail == [phrase[-1]]
                and (predicate or tail[0][1] == "vn")
            ):
                phrase = phrase[:index]
                break
    while phrase and not is_noun(phrase[-1][1]):
        phrase.pop()
    return phrase, via_de
