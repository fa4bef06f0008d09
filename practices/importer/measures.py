"""What a metric counts: a short normalised key derived from its label and unit.

Pure standard library; no Django. The compare view charts only metrics that
share a measure (and a normalized unit), so a measure must name one kind of
quantity: 贷款金额 and 授信金额 are different measures although both are 元.

How :func:`measure_for` decides, first match wins:

1. ``RULES``: a keyword of the label within a unit family (the keyword alone
   is not enough: 企业 next to 元 is an amount, next to 家 a number of firms).
2. A percentage whose label ends in 率 (满意率, 通办率) is that rate.
3. ``UNIT_FALLBACKS``: the unit family's generic measure (% → 占比,
   天/工作日/小时 → 办理时长, 元 → 金额, 家/户 → 主体数, a ratio (":1",
   ":1:1") → 比例, 公里/米 → 长度 …).
4. Otherwise "<unit>数" (笔数, 场数), or 数值 for a bare number: never empty.
"""
from __future__ import annotations

from collections.abc import Container

from .units import CORE_UNITS

MONEY = frozenset({"元", "美元", "欧元", "港元", "日元"})
PERCENT = frozenset({"%", "%/日", "%/天", "%/月", "%/年", "‰", "个百分点"})
DURATION = frozenset({"工作日", "小时", "分钟", "秒", "天", "日", "周", "个月"})
YEARS = frozenset({"年"})
FIRMS = frozenset({"家", "户", "家次", "户次"})
PEOPLE = frozenset({"人", "名", "位", "人次"})
CASES = frozenset({"件", "起", "宗", "例", "件次"})
ITEMS = frozenset({"项", "个", "条", "类", "种", "款", "份", "批", "套", "支", "所", "座", "门"})
AREA = frozenset({"平方米", "平方公里", "亩", "公顷"})
LENGTH = frozenset({"公里", "米"})


class _RatioUnits(Container[str]):
    """The normalized units of ratios: ":1", ":1:1", ":2:1" (see :mod:`.ratios`), a family without a fixed list."""

    def __contains__(self, unit: object) -> bool:
        return isinstance(unit, str) and unit.startswith(":")


RATIO = _RatioUnits()

#: (measure, label keywords, unit family), in priority order: specific before general.
RULES: tuple[tuple[str, tuple[str, ...], Container[str]], ...] = (
    ("贷款余额", ("贷款余额", "余额"), MONEY),
    ("授信金额", ("授信",), MONEY),
    ("贷款金额", ("贷款", "放款", "首贷", "续贷", "信贷", "贷"), MONEY),
    ("融资金额", ("融资", "担保"), MONEY),
    ("基金规模", ("基金", "规模"), MONEY),
    ("投资金额", ("投资", "出资", "增资"), MONEY),
    ("降本金额", ("节约", "节省", "降本", "减负", "减免", "减税", "降费", "挽回"), MONEY),
    ("财政资金", ("补助", "补贴", "奖励", "资金", "兑现", "奖补", "经费"), MONEY),
    ("税收金额", ("税",), MONEY),
    ("营业收入", ("收入", "营收", "产值", "销售", "利润"), MONEY),
    ("增长率", ("同比", "增长", "增幅", "增加", "提高", "上升", "提升"), PERCENT),
    ("降幅", ("下降", "降幅", "减少", "压缩", "缩短", "缩减", "压减", "降低", "降至", "回落"), PERCENT),
    ("利率费率", ("利率", "费率", "利息", "息", "费用", "保费"), PERCENT),
    ("不良率", ("不良", "代偿", "关注率"), PERCENT),
    ("审批时限", ("审批", "办结", "承诺"), DURATION),
    ("市场主体数", ("市场主体", "经营主体", "个体工商户", "经营户"), FIRMS),
    ("首贷户数", ("首贷",), FIRMS),
    ("金融机构数", ("银行", "金融机构", "担保机构", "创投机构", "机构"), FIRMS),
    ("商协会数", ("商会", "协会", "商协会"), FIRMS),
    ("律所数", ("律师事务所", "律所"), FIRMS),
    ("平台基地数", ("工作站", "基地", "平台", "园区", "中心"), FIRMS),
    ("企业数", ("企业", "民企", "小微", "中小", "公司", "客户"), FIRMS),
    ("人才数", ("人才", "博士", "专家", "院士"), PEOPLE),
    ("律师人数", ("律师",), PEOPLE),
    ("培训人数", ("培训", "参训"), PEOPLE),
    ("案件数", ("案件", "案", "诉讼", "纠纷", "审判", "执行"), CASES),
    ("问题诉求数", ("问题", "诉求", "难题", "投诉"), CASES | ITEMS),
    ("政策措施数", ("政策", "措施", "意见", "办法", "制度", "举措"), ITEMS),
    ("服务事项数", ("事项", "业务", "服务"), ITEMS),
    ("产品数", ("产品",), ITEMS),
    ("项目数", ("项目",), ITEMS),
    ("平台基地数", ("平台", "基地", "中心", "园区", "站", "飞地"), ITEMS),
    # "三方以6：2：2比例分担风险", "按1：1出资", "按实到资金1:1配套支持".
    ("风险分担比例", ("分担", "风险", "代偿"), RATIO),
    ("出资比例", ("出资", "配套", "匹配", "配比", "资金"), RATIO),
    ("续航里程", ("续航", "里程"), LENGTH),
)

#: unit family → its generic measure.
UNIT_FALLBACKS: tuple[tuple[Container[str], str], ...] = (
    (MONEY, "金额"),
    # A percentage per day, month or year is a rate (a fee or interest), not a share.
    (frozenset({"%/日", "%/天", "%/月", "%/年"}), "利率费率"),
    (frozenset({"个百分点"}), "百分点变化"),
    (PERCENT, "占比"),
    (DURATION, "办理时长"),
    (YEARS, "年限"),
    (FIRMS, "主体数"),
    (PEOPLE, "人数"),
    (CASES, "件数"),
    (AREA, "面积"),
    (frozenset({"倍"}), "倍数"),
    (RATIO, "比例"),
    (LENGTH, "长度"),
)

#: the measure of a bare number without unit ("用户数5.02万").
BARE_NUMBER = "数值"

#: Fallbacks that still name one kind of quantity, so they may share a chart.
SPECIFIC_FALLBACKS = frozenset({"办理时长", "利率费率"})


def measure_is_generic(measure: str) -> bool:
    """True for a measure that only repeats the unit (个数, 金额, 占比, 数值): too vague to chart.

    Two "个数" may count departments and credit records; the compare view
    lists such metrics in a table instead of drawing them on one axis.
    """
    fallbacks = {name for _, name in UNIT_FALLBACKS} - SPECIFIC_FALLBACKS
    return measure in fallbacks or measure == BARE_NUMBER or measure[:-1] in CORE_UNITS


def measure_for(*, label: str, unit: str) -> str:
    """The measure of a metric labelled ``label`` with normalized unit ``unit``; never empty."""
    label = label or ""
    unit = (unit or "").strip()
    for measure, keywords, family in RULES:
        if unit in family and any(keyword in label for keyword in keywords):
            return measure
    if unit in PERCENT and label.endswith("率") and len(label) >= 2:
        # The rate's own name, its last three characters at most: 投标保证金保函支持率 → 支持率.
        return label[-3:]
    for family, measure in UNIT_FALLBACKS:
        if unit in family:
            return measure
    if not unit:
        return BARE_NUMBER
    # Any other count unit (笔, 场, 次 …): "笔数", "场数".
    return unit if unit.endswith("数") else f"{unit}数"


def measure_after_edit(*, measure: str, old_label: str, old_unit: str, label: str, unit: str) -> str:
    """The measure once staff change a metric's label or unit.

    A measure the rules gave (it equals ``measure_for`` of the old label and
    unit) follows the edit: relabelling "数量" as "银行机构" moves the metric
    from 个数 to 金融机构数.  A measure staff chose themselves is theirs and
    stays, whatever the new label says.
    """
    if measure and measure != measure_for(label=old_label, unit=old_unit):
        return measure
    return measure_for(label=label, unit=unit)
