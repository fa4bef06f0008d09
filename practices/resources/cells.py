"""Reading and writing the list, city and entry cells of a row."""
from __future__ import annotations

import re

from django.db import models

from ..models import City
from .formulas import restore_value

LIST_SEPARATOR = ";"
ENTRY_MARKER = "【{}】"


def split_list(value) -> list[str]:
    value = restore_value(value)
    if value is None:
        return []
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    text = str(value).replace("；", LIST_SEPARATOR)
    return [token.strip() for token in text.split(LIST_SEPARATOR) if token.strip()]


_CITY_WITH_PROVINCE = re.compile(r"^(?P<city>[^（(]+)[（(](?P<province>[^）)]+)[）)]$")


def resolve_city(label: str) -> City:
    """"青岛市" or, for a name used in two provinces, "台州市（浙江省）"; ValueError if unknown."""
    label = label.strip()
    match = _CITY_WITH_PROVINCE.match(label)
    lookup = (
        {"name": match["city"].strip(), "province__name": match["province"].strip()}
        if match else {"name": label}
    )
    found = list(City.objects.filter(**lookup).select_related("province")[:2])
    if not found:
        raise ValueError(f"未知城市：{label}")
    if len(found) > 1:
        raise ValueError(f"城市名“{label}”在多个省份中出现，请写成“{label}（省份）”")
    return found[0]


def homonym_names() -> frozenset[str]:
    """City names used in more than one province (written "名称（省份）")."""
    return frozenset(
        City.objects.order_by().values("name").annotate(n=models.Count("pk")).filter(n__gt=1)
        .values_list("name", flat=True)
    )


def city_label(city: City, homonyms: frozenset[str] | None = None) -> str:
    """"青岛市", or "台州市（浙江省）" when another province has a city of the same name."""
    if homonyms is None:
        homonyms = homonym_names()
    return city_name_label(city.name, city.province.name, homonyms)


def city_name_label(name: str, province: str, homonyms: frozenset[str]) -> str:
    """city_label from the names alone (for rows read as tuples)."""
    return f"{name}（{province}）" if name in homonyms else name


def render_entries(pairs, homonyms: frozenset[str] | None = None) -> str:
    """[(City, text), …] -> "【青岛市】…\n【江阴市】…"."""
    homonyms = homonym_names() if homonyms is None else homonyms
    return render_labelled_entries((city_label(city, homonyms), text) for city, text in pairs)


def render_labelled_entries(pairs) -> str:
    """[(city label, text), …] -> "【青岛市】…\n【江阴市】…"."""
    return "\n".join(ENTRY_MARKER.format(label) + text for label, text in pairs)


def parse_entries(value: str, labels: list[str]) -> list[str]:
    """Split the ``entries`` cell into one text per city label, in order; ValueError on mismatch."""
    text = (value or "").replace("\r\n", "\n")
    if not labels:
        raise ValueError("至少要有一个城市（cities 列）")
    first = ENTRY_MARKER.format(labels[0])
    if not text.startswith(first):
        raise ValueError(f"entries 必须以“{first}”开头，并按 cities 列的顺序给出每个城市的段落")
    starts = [0]
    cursor = len(first)
    for label in labels[1:]:
        marker = "\n" + ENTRY_MARKER.format(label)
        found = text.find(marker, cursor)
        if found == -1:
            raise ValueError(f"entries 中缺少“{ENTRY_MARKER.format(label)}”段落（须按 cities 列的顺序另起一行）")
        starts.append(found + 1)
        cursor = found + len(marker)
    texts = []
    for index, label in enumerate(labels):
        begin = starts[index] + len(ENTRY_MARKER.format(label))
        end = starts[index + 1] - 1 if index + 1 < len(starts) else len(text)
        body = text[begin:end].strip()
        if not body:
            raise ValueError(f"{label} 的段落是空的")
        if re.search(r"^【[^】\n]{1,30}】", body, flags=re.MULTILINE):
            raise ValueError(f"{label} 的段落里出现了 cities 列之外的城市标记，请核对 cities 与 entries")
        texts.append(body)
    return texts
