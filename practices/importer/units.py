"""Unit, magnitude and qualifier tables for :mod:`practices.importer.metrics`.

Pure standard library; no Django.  Every unit the extractor recognises is
listed in ``CORE_UNITS``; anything else after a number is not a unit.
"""

from __future__ import annotations

import re
from decimal import Decimal

# Magnitude prefixes written between the number and the unit (万户, 亿美元).
MAGNITUDES: dict[str, Decimal] = {
    "万亿": Decimal(10) ** 12,
    "千万": Decimal(10) ** 7,
    "百万": Decimal(10) ** 6,
    "亿": Decimal(10) ** 8,
    "万": Decimal(10) ** 4,
    "千": Decimal(10) ** 3,
}
# Magnitudes that may stand without a unit ("金额11.5亿", "用户数5.02万").
BARE_MAGNITUDES = frozenset({"万亿", "千万", "百万", "亿", "万"})

_COUNT = (
    "人次 户次 家次 件次 场次 台次 大类 人 名 位 户 家 件 项 个 次 笔 份 条 页 期 场 批 所 台 "
    "套 类 种 起 例 款 支 届 门 宗 只 张 轮 册 座 辆 篇"
).split()
_DURATION = "个工作日 工作日 个小时 小时 分钟 秒钟 秒 个月 天 日 周 年".split()

# unit as written (without magnitude and inner 余/多) -> (normalized unit, kind)
CORE_UNITS: dict[str, tuple[str, str]] = {}
CORE_UNITS.update({u: ("元", "money") for u in ("元",)})
CORE_UNITS.update({u: (u, "money") for u in ("美元", "欧元", "港元", "日元")})
CORE_UNITS.update({u: (u, "count") for u in _COUNT})
CORE_UNITS.update({"家（次）": ("家次", "count"), "家(次)": ("家次", "count"), "大类": ("类", "count")})
# "5大产业政策", "6大领域": N大 counts N named things (items, not classes).
# 细项 ("4000多细项") is a sub-item of a checklist: counted like 项.
CORE_UNITS.update({"大": ("个", "count"), "细项": ("项", "count")})
# 成 is a tenth: 二成 = 20 %.  Its factor is in UNIT_FACTORS.
CORE_UNITS["成"] = ("%", "percent")
for _sign in ("%", "％", "‰"):
    for _per in ("", "/日", "/天", "/月", "/年"):
        CORE_UNITS[_sign + _per] = (_sign.replace("％", "%") + _per, "percent")
CORE_UNITS.update({"个百分点": ("个百分点", "percent"), "百分点": ("个百分点", "percent")})
CORE_UNITS.update({u: (u, "duration") for u in _DURATION})
CORE_UNITS.update({"个工作日": ("工作日", "duration"), "个小时": ("小时", "duration"), "秒钟": ("秒", "duration"),
                   "个多月": ("个月", "duration"), "个多小时": ("小时", "duration")})
CORE_UNITS.update({"平方米": ("平方米", "area"), "平米": ("平方米", "area"), "平方公里": ("平方公里", "area"),
                   "亩": ("亩", "area"), "公顷": ("公顷", "area")})
CORE_UNITS["倍"] = ("倍", "multiple")
# Lengths ("续航200公里"): 千米 is 公里; 米 stays 米, as 平方米 and 平方公里 stay apart for areas.
CORE_UNITS.update({"公里": ("公里", "length"), "千米": ("公里", "length"), "米": ("米", "length")})

# Units whose value is scaled when normalized (二成 -> 20 %).
UNIT_FACTORS: dict[str, Decimal] = {"成": Decimal(10)}

# Characters that, right after a one-character unit, show that it is the start
# of another word: 台州, 支持, 项目 is allowed (still N items), 家庭, 个人 ...
UNIT_GUARDS: dict[str, str] = {
    "元": "旦素宵首件器帅老宝", "人": "民", "名": "称单义字牌片录列誉额次", "位": "于居列置数",
    "户": "籍口头型外", "家": "庭长乡属具电", "个": "人体税性案别", "次": "日年月", "份": "额",
    "条": "件例款目", "期": "间限满末", "场": "所地景合", "批": "准复示次", "所": "得属有在以需谓",
    "台": "州湾风阶账上下前", "套": "餐", "种": "子植类", "起": "草步诉来点始", "例": "如外",
    "款": "项", "支": "持付出撑援行部", "门": "槛户类店诊口", "宗": "旨教", "只": "需要有能是",
    "天": "然津下", "年": "级度化代", "日": "本常", "亩": "均", "周": "年末边", "座": "谈",
    "页": "面", "类": "似", "笔": "记", "篇": "章幅",
    # 大: 大力, 大幅, 大会, 大学, 大型 ... are words, not "N大" counts.
    "大": "力幅会学型于家众量中小道街桥楼厅院局厦队户额概约都部致体批多关",
    # 成: 成为, 成立, 成功, 成本 ... are words; a proportion stands alone or before 以上/左右.
    "成": "为立功本果效员交熟就长都型品绩形了批套熟果片群才人事真",
    # 米: 米粉, 米饭, 米面, 米酒 are food.
    "米": "粉饭面酒糠",
}

# Words that make a bare 万/亿 ("金额11.5亿", "财政1.6亿增资") an amount of yuan.
MONEY_CUES = (
    "金额", "资金", "贷款", "融资", "增资", "余额", "投资", "资本", "产值", "收入", "利润", "税收",
    "授信", "保费", "补助", "补贴", "奖励", "成本", "费用", "资产", "营收", "销售额", "营业额",
    "财政", "出资", "存款", "转贷", "利息", "经费", "预算", "基金",
)

# Prefix qualifiers, longest first, with the characters that must NOT precede
# them (节约, 直达, 最近, 通过 are words, not qualifiers).
PREFIX_QUALIFIERS: tuple[tuple[str, str], ...] = (
    ("不超过", ""), ("不少于", ""), ("不低于", ""), ("不高于", ""), ("不到", ""), ("不足", ""),
    ("超过", "不"), ("高达", ""), ("达到", "到"), ("突破", ""), ("最高", ""), ("最多", ""),
    ("最低", ""), ("至少", ""), ("将近", ""), ("接近", ""), ("大约", ""),
    ("超", "赶"), ("近", "最附接将"), ("约", "节签预制契公邀条违履特规合婚大"), ("逾", ""),
    ("达", "直送抵到表下传通畅雷发转高"), ("破", "突打攻击"),
)
# 过 ("过百万次") only before Chinese numerals: before digits it is mostly 通过/经过.
CN_ONLY_PREFIX = (("过", "通经超不越度透"),)

SUFFIX_QUALIFIERS = ("以上", "以下", "以内", "之内", "左右")
DURATION_SUFFIXES = ("内", "多", "余")  # 3年内, 1年多

_SPACES = re.compile(r"[ \u3000\u00a0]+")


def unit_pattern() -> str:
    """Regex alternation of all units, longest first, with word guards."""
    parts = []
    for unit in sorted(CORE_UNITS, key=len, reverse=True):
        guard = UNIT_GUARDS.get(unit, "") if len(unit) == 1 else ""
        parts.append(re.escape(unit) + (f"(?![{guard}])" if guard else ""))
    return "(?:" + "|".join(parts) + ")"


def normalize_unit(unit: str, *, money: bool = False) -> tuple[Decimal, str, str]:
    """Split a unit as written into (multiplier, normalized unit, kind).

    ``"万户" -> (10000, "户", "count")``, ``"万余条" -> (10000, "条", "count")``,
    ``"亿美元" -> (10**8, "美元", "money")``, ``"家（次）" -> (1, "家次", "count")``,
    ``"千米" -> (1, "公里", "length")`` (a unit, not 千 x 米), ``"万米" -> (10000, "米", "length")``.
    A bare magnitude (``"亿"``) is a count with normalized unit ``""`` unless
    ``money=True`` (a money word stands next to it), in which case it is yuan.
    Raises ``ValueError`` for anything that is not a known unit.
    """
    core = _SPACES.sub("", unit).replace("余", "").replace("多", "")
    multiplier = Decimal(1)
    for prefix, factor in MAGNITUDES.items():
        # 千米 is a unit of its own (公里), not 千 x 米.
        if core in CORE_UNITS:
            break
        if core.startswith(prefix) and (core[len(prefix):] in CORE_UNITS or core == prefix):
            multiplier, core = factor, core[len(prefix):]
            break
    if not core:
        if multiplier == 1:
            raise ValueError(f"not a unit: {unit!r}")
        return (multiplier, "元", "money") if money else (multiplier, "", "count")
    if core not in CORE_UNITS:
        raise ValueError(f"not a unit: {unit!r}")
    normalized, kind = CORE_UNITS[core]
    return multiplier * UNIT_FACTORS.get(core, Decimal(1)), normalized, kind
