"""Template helpers for the public pages: place names, numbers and the comparison chart.

Everything returns plain strings or data for templates to escape; nothing is
marked safe.
"""
from __future__ import annotations

from decimal import Decimal, InvalidOperation

from django import template
from django.utils.translation import get_language

from .. import selectors

register = template.Library()

# Geometry of the comparison chart (SVG user units; the SVG scales to its box).
CHART_WIDTH = 640
LABEL_WIDTH = 230
BAR_HEIGHT = 22
BAR_GAP = 10
VALUE_GAP = 6


@register.filter
def place(obj) -> str:
    """A city or province named for the current language (pinyin in English)."""
    return selectors.place_label(obj)


@register.filter
def places(items, attribute: str = "") -> str:
    """Join places (or ``item.<attribute>`` places) with the language's list separator."""
    separator = ", " if (get_language() or "").startswith("en") else "、"
    names = [selectors.place_label(getattr(item, attribute) if attribute else item) for item in items]
    return separator.join(names)


@register.filter
def number(value) -> str:
    """A Decimal with thousands separators and without trailing zeros: 47696000000.0000 → 47,696,000,000."""
    try:
        value = Decimal(value)
    except (InvalidOperation, TypeError, ValueError):
        return "" if value is None else str(value)
    normalized = value.normalize()
    if normalized == normalized.to_integral():
        return f"{int(normalized):,}"
    exponent = -normalized.as_tuple().exponent
    return f"{normalized:,.{exponent}f}"


@register.simple_tag
def query_with(params, **changes) -> str:
    """The current query with ``changes`` applied (empty value removes), page reset: for sort links."""
    return selectors.query_url(params, **{name: (value or None) for name, value in changes.items()})


@register.inclusion_tag("practices/includes/bar_chart.html")
def bar_chart(comparison: dict, title: str = "", number: int = 1) -> dict:
    """A horizontal bar chart (inline SVG) of the comparison's metrics, one bar per metric.

    ``comparison`` is one chart of practice_comparison (one measure, one unit);
    ``number`` (the chart's place on the page) keeps the SVG's element ids unique.

    Bars are scaled to the largest value; each bar's accessible text names the
    city, the label and the figure, and the page repeats the data as a table.
    """
    maximum = comparison.get("max") or Decimal(0)
    plot_width = CHART_WIDTH - LABEL_WIDTH - 120
    bars = []
    y = BAR_GAP
    for group in comparison.get("groups", []):
        for metric in group["metrics"]:
            ratio = float(abs(metric.normalized_value) / maximum) if maximum else 0.0
            width = max(ratio * plot_width, 1.0)
            bars.append({
                "city": selectors.place_label(group["city"]), "metric": metric, "y": y,
                "text_y": y + BAR_HEIGHT * 0.7, "width": round(width, 1),
                "value_x": round(LABEL_WIDTH + width + VALUE_GAP, 1),
            })
            y += BAR_HEIGHT + BAR_GAP
    return {
        "bars": bars, "title": title, "unit": comparison.get("unit"), "width": CHART_WIDTH, "height": y,
        "chart_id": f"chart-{number}", "measure": comparison.get("measure"),
        "label_width": LABEL_WIDTH, "plot_width": plot_width, "label_x": LABEL_WIDTH - VALUE_GAP, "bar_height": BAR_HEIGHT,
    }
