"""Name a figure by the action it counts or times ("办结23139件" -> 办结件数, "0.5天内办结" -> 办结时长).

Helpers of :mod:`practices.importer.labels`, apart because they read the verbs around a figure rather
than its noun phrase; pure Python, no Django.
"""

from __future__ import annotations

from practices.importer.label_rules import (
    CHANGE_VERBS,
    GOVERNING_VERBS,
    LIGHT_VERBS,
    LINK_VERBS,
    Tag,
    after_phrase,
)

# The noun that counts a unit ("办结23139件" -> 办结件数).
UNIT_NOUNS = dict(
    pair.split(":")
    for pair in "人:人数 名:人数 位:人数 人次:人次 家:家数 户:户数 家次:家次 件:件数 件次:件次 笔:笔数 "
    "次:次数 场:场次 场次:场次 个:个数 项:项数 条:条数 份:份数 期:期数 批:批次".split()
)


def _text(tags: list[Tag]) -> str:
    return "".join(w for w, _ in tags)


def duration_phrase(before_tokens: list[Tag], a_tags: list[Tag], *, anchored: bool = False) -> str:
    """ "0.5天内办结" -> 办结时长: a time followed by the action it takes."""
    a_tags = [t for t in a_tags if t[1] not in ("d", "ad")]  # "5个工作日之内|必须|上传"
    light = len(a_tags) > 1 and a_tags[0][0] in LIGHT_VERBS and a_tags[1][1].startswith("v")
    if light:
        a_tags = a_tags[1:]  # "30个工作日内完成|审查": the action, not the light verb
    if not a_tags or not a_tags[0][1].startswith("v") or a_tags[0][1] == "vn" and not light:
        return ""
    verb = a_tags[0][0]
    if len(verb) < 2 or verb in LINK_VERBS:
        return ""
    # the action's subject, kept short ("新办套餐办结时长", "线上贷款办结时长"); none after a
    # time it counts from ("印发后|5个工作日")
    subject = [t for t in before_tokens if not t[1].startswith("v") or t[1] == "vn"] if not anchored else []
    while sum(len(w) for w, _ in subject) > 4:
        subject = subject[1:]
    return _text(subject) + verb + "时长"


def action_duration(tags: list[Tag], unit: str) -> str:
    """ "已经坚持了|4年" -> 坚持年限: a duration right after an action says how long it has gone on.

    Not after a governing or linking verb, which takes the duration as its object ("期限延长至3年").
    """
    while tags and tags[-1][1] in ("ul", "uguo"):
        tags = tags[:-1]
    if not tags:
        return ""
    word, flag = tags[-1]
    # a verbal noun after an adverb acts as a verb ("已|经营")
    verbal = flag.startswith("v") and (flag != "vn" or len(tags) > 1 and tags[-2][1] in ("d", "ad"))
    if not verbal or len(word) < 2 or word in GOVERNING_VERBS | LINK_VERBS or word.endswith(CHANGE_VERBS):
        return ""
    return word + ("年限" if unit == "年" else "时长")


def action_taken(a_tags: list[Tag], unit: str, *, longest: int) -> str:
    """ "80余人参加了|现场培训" -> 参加现场培训: those counted are named by what they did, with its object.

    Without an object, or when it makes the label longer than ``longest``, the unit's noun stands
    in for it ("300余人次参加" -> 参加人次).
    """
    rest = a_tags[1:]
    while rest and rest[0][1] in ("ul", "uguo"):
        rest = rest[1:]
    obj = _text(after_phrase(rest)[0])
    label = a_tags[0][0] + obj
    return label if obj and len(label) <= longest else a_tags[0][0] + UNIT_NOUNS[unit]
