"""The versioned open-data release: one deterministic zip of the published catalogue.

Members (in this order):

* ``catalogue.json``: the Django fixture of ``manage.py export_catalogue``
  (``fixture_export.catalogue_export_fixture``), published records only and no
  staff user names (its ``published_only``);
* ``practices.csv``, ``practices.xlsx``, ``practices.json``: /practices/export.* unfiltered;
* ``case-reports.csv``/``.xlsx``/``.json``: /case-reports/export.* unfiltered;
* ``metrics.csv``/``.xlsx``/``.json``: every published metric, of practices and of case reports;
* ``codebook.json`` and ``codebook.md``: every column of every file explained;
* ``README.md`` (what, counts, version, licence, how to cite, codebook) and
  ``LICENSE`` (CC BY 4.0 for the data; the sources stay their publishers'),
  from :mod:`practices.release_docs`;
* ``SHA256SUMS``: ``sha256sum -c`` compatible checksums of every other member.

``release_current`` serves the download: one build per catalogue revision,
kept on disk (``release_cache_dir``), so a second download reads the stored
zip and any write to the catalogue (a new revision) makes the next one rebuild.

The same data always gives the same bytes: members have fixed timestamps and
permissions, files are built under the default language, and the default
version is derived from the data (``<date of latest change>-<hash>``).
"""
from __future__ import annotations

import csv
import hashlib
import io
import json
import os
import re
import zipfile
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings
from django.core.exceptions import FieldDoesNotExist
from django.db.models import Max
from django.http import HttpRequest, HttpResponse
from django.utils import timezone, translation
from django.views.decorators.http import require_safe

from . import exports, release_docs
from .catalogue_cache import catalogue_revision
from .fixture_export import FIXTURE_MODELS, catalogue_export_fixture
from .lists import CASE_REPORTS, METRICS, PRACTICES, PUBLIC_LISTS
from .models import CaseReport, Practice

VERSION_PATTERN = re.compile(r"^[0-9A-Za-z][0-9A-Za-z._-]{0,63}$")
CHECKSUMS = "SHA256SUMS"


def default_output_dir() -> Path:
    return Path(settings.BASE_DIR) / "var" / "release"


@dataclass(frozen=True)
class Release:
    """A built release: ``version``, zip ``filename`` and the zip ``data`` (bytes)."""

    version: str
    filename: str
    data: bytes


# -- building ----------------------------------------------------------------
def release_members() -> dict[str, bytes]:
    """The data members, name -> bytes, in zip order (no codebook or checksums yet)."""
    practices, _ = exports.table_for(PRACTICES.name)
    case_reports, _ = exports.table_for(CASE_REPORTS.name)
    # Every published metric, of practices and of case reports (the metrics list shows practices' only).
    metric_resource = METRICS.resource_class(published_only=True)
    metrics = exports.Table(metric_resource, metric_resource.get_queryset())
    members = {"catalogue.json": catalogue_export_fixture(published_only=True).encode("utf-8")}
    for stem, table, title in (("practices", practices, PRACTICES.sheet_title),
                               ("case-reports", case_reports, CASE_REPORTS.sheet_title),
                               ("metrics", metrics, METRICS.sheet_title)):
        members[f"{stem}.csv"] = b"".join(exports.csv_chunks(table))
        members[f"{stem}.xlsx"] = exports.xlsx_bytes(table, title=title, deterministic=True)
        members[f"{stem}.json"] = b"".join(exports.json_chunks(table))
    return members


def data_version(members: dict[str, bytes]) -> str:
    """``YYYY.MM.DD-<8 hex>``: the date of the latest change and a hash of the data members."""
    digest = hashlib.sha256()
    for name, data in members.items():
        digest.update(name.encode() + b"\0" + hashlib.sha256(data).digest())
    latest = [
        model.objects.published().aggregate(latest=Max("updated"))["latest"] for model in (Practice, CaseReport)
    ]
    latest = [moment for moment in latest if moment is not None]
    if not latest:
        return f"empty-{digest.hexdigest()[:8]}"
    return f"{timezone.localtime(max(latest)):%Y.%m.%d}-{digest.hexdigest()[:8]}"


def sha256sums(members: dict[str, bytes]) -> bytes:
    """``<hex>  <name>`` lines, as ``sha256sum`` writes them."""
    return "".join(f"{hashlib.sha256(data).hexdigest()}  {name}\n" for name, data in members.items()).encode()


def release_build(*, version: str | None = None) -> Release:
    """Build the release zip in memory; ``version`` defaults to ``data_version``.

    Raises ValueError for a version unusable in a file name.
    """
    if version is not None and not VERSION_PATTERN.match(version):
        raise ValueError(f"版本号只能含字母、数字、点、下划线和连字符（最多 64 个字符）：{version!r}")
    # One language for every build: the codebook and labels must not follow the visitor's.
    with translation.override(settings.LANGUAGE_CODE):
        members = release_members()
        version = version or data_version(members)
        book = codebook_build(version=version, members=members)
        members["codebook.json"] = (json.dumps(book, ensure_ascii=False, indent=2) + "\n").encode("utf-8")
        members["codebook.md"] = codebook_markdown(book).encode("utf-8")
        members["README.md"] = release_docs.readme(book=book).encode("utf-8")
        members["LICENSE"] = release_docs.LICENSE_TEXT.encode("utf-8")
    members[CHECKSUMS] = sha256sums(members)

    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in members.items():
            archive.writestr(exports.fixed_zipinfo(name), data)
    return Release(version=version, filename=f"catalogue-{version}.zip", data=buffer.getvalue())


def release_write(*, output_dir: Path | None = None, version: str | None = None) -> tuple[Release, Path]:
    """Build and write the release into ``output_dir`` (default var/release); returns (Release, path)."""
    built = release_build(version=version)
    directory = Path(output_dir) if output_dir is not None else default_output_dir()
    directory.mkdir(parents=True, exist_ok=True)
    path = directory / built.filename
    path.write_bytes(built.data)
    return built, path


# -- the codebook ------------------------------------------------------------
# Columns with no model field behind them (computed by the Resources), or whose
# model field's name alone would mislead (a foreign key written as a number).
COLUMN_NOTES = {
    ("practices", "category"): "类别编号（1–7），名称见 category_name。",
    ("practices", "category_name"): "类别名称。",
    ("practices", "cities"): "报送城市，按来源中的段落顺序，以“;”分隔；两省同名的城市写作“名称（省份）”。",
    ("practices", "entries"): "各城市的做法和成效原文，每个城市一段，段首为“【城市】”，顺序与 cities 相同。",
    ("practices", "source"): "来源文件名（fixtures/sources/ 中逐字保存的文件）。",
    ("case-reports", "source"): "来源文件名（fixtures/sources/ 中逐字保存的文件）。",
    ("case-reports", "province"): "报道所属省份的名称。",
    ("case-reports", "cities"): "报道涉及的城市名称，以“;”分隔。",
    ("case-reports", "categories"): "主题类别编号（1–7），以“;”分隔。",
    ("case-reports", "related_practices"):
        "相关典型做法的序号，按相似度排名，以“;”分隔；不含工作人员否决的关联。",
    ("metrics", "owner"): "指标出处：entry 为典型做法的城市段落，case_report 为案例报道。",
    ("metrics", "practice"): "典型做法序号（owner 为 entry 时）。",
    ("metrics", "city"): "报送城市名称（owner 为 entry 时）；两省同名的城市写作“名称（省份）”。",
    ("metrics", "source"): "案例报道的来源文件名（owner 为 case_report 时）。",
    ("metrics", "report_position"): "案例报道在来源文件中的顺序（owner 为 case_report 时）。",
}
FIXTURE_NOTES = {
    ("practices.metric", "verified_by"): "核实人：发布包中总为空（不公开工作人员账号）。",
}
FILE_NOTES = {
    "practices": ("practices", "已发布的典型做法，每行一项（与 /practices/export.* 相同）。"),
    "case-reports": ("case-reports", "已发布的案例报道，每行一篇（与 /case-reports/export.csv 相同）。"),
    "metrics": ("metrics", "已发布的典型做法和案例报道中提取的量化指标，每行一个。"),
}
FORMATS = {
    ".csv": "CSV，UTF-8 带 BOM，逗号分隔，首行为列名；以 = + - @ 开头的文本前加了单引号 '，防止被当作公式。",
    ".xlsx": "Excel 工作簿，一张工作表，首行为列名；公式样文本同 CSV 处理。",
    ".json": "JSON 数组，每个元素是以列名为键的对象；值与 CSV 相同，但不加单引号。",
}


def _field_note(model, path: str) -> str:
    """verbose_name（+ help_text, + choices) of the model field at ``path`` ("category__name")."""
    names = path.split("__")
    for name in names[:-1]:
        model = model._meta.get_field(name).related_model
    field = model._meta.get_field(names[-1])
    note = str(field.verbose_name)
    if getattr(field, "help_text", ""):
        note += f"：{field.help_text}"
    if getattr(field, "choices", None):
        note += "（取值：" + "、".join(f"{code} = {label}" for code, label in field.choices) + "）"
    return note + ("" if note.endswith("。") else "。")


def _column_notes(kind: str, resource_class) -> list[dict]:
    resource = resource_class(published_only=True)
    columns = []
    for field in resource.get_export_fields():
        note = COLUMN_NOTES.get((kind, field.column_name))
        if note is None and field.attribute:
            note = _field_note(resource._meta.model, field.attribute)
        columns.append({"name": field.column_name, "description": note or ""})
    return columns


_TYPE_NAMES = {
    "IntegerField": "整数", "PositiveIntegerField": "整数", "PositiveSmallIntegerField": "整数",
    "SmallIntegerField": "整数", "BigIntegerField": "整数", "AutoField": "整数", "BigAutoField": "整数",
    "DecimalField": "小数（十进制）", "DateField": "日期", "DateTimeField": "日期时间", "BooleanField": "布尔",
    "JSONField": "JSON",
}


def _column_type(model, path: str | None) -> str:
    """The column's type in words, from the model field behind it (text when none or a relation)."""
    if not path:
        return "文本"
    try:
        for name in path.split("__")[:-1]:
            model = model._meta.get_field(name).related_model
        field = model._meta.get_field(path.split("__")[-1])
    except (AttributeError, FieldDoesNotExist):  # a computed column: the exports write it as text
        return "文本"
    return "文本" if field.is_relation else _TYPE_NAMES.get(field.get_internal_type(), "文本")


def stored_codebook_table() -> list[dict]:
    """``codebook_table()`` in the current language, stored until the catalogue changes (about 15 queries)."""
    from django.utils.translation import get_language

    from .catalogue_cache import catalogue_cached

    return catalogue_cached("codebook_table", {"language": get_language()}, codebook_table)


def codebook_table() -> list[dict]:
    """The data page's codebook: per list, each exported column's name, type, meaning and an example.

    Built from the export definitions (the Resources) and the first exported
    row, like the release's codebook, so it cannot drift from the files.
    """
    tables = []
    for stem in (PRACTICES.name, CASE_REPORTS.name, METRICS.name):
        resource_class = PUBLIC_LISTS[stem].resource_class
        resource = resource_class(published_only=True)
        # The example row is the first stored record: reading the export's own order for it would
        # read every record's key first (1.25 million metrics at 100k: the page timed out).
        first_pk = resource.filter_export(resource.get_queryset()).order_by("pk").values_list("pk", flat=True).first()
        table = exports.Table(resource, resource.get_queryset().filter(pk=first_pk))
        first = next(iter(table.rows()), None) or []
        columns = []
        for index, (field, note) in enumerate(zip(resource.get_export_fields(), _column_notes(stem, resource_class),
                                                  strict=True)):
            example = str(first[index]) if index < len(first) and first[index] not in (None, "") else ""
            columns.append({"name": note["name"], "type": _column_type(resource._meta.model, field.attribute),
                            "description": note["description"],
                            "example": example if len(example) <= 40 else example[:40] + "…"})
        tables.append({"name": stem, "columns": columns})
    return tables


def _fixture_models(members: dict[str, bytes]) -> list[dict]:
    counts: dict[str, int] = {}
    for obj in json.loads(members["catalogue.json"]):
        counts[obj["model"]] = counts.get(obj["model"], 0) + 1
    described = []
    for model, _ in FIXTURE_MODELS:
        fields = []
        for field in model._meta.get_fields():
            if field.auto_created or not (field.concrete or field.many_to_many) or field.primary_key:
                continue
            if not field.serialize:
                continue  # e.g. the search index columns, which the fixture leaves out
            if field.many_to_many and not field.remote_field.through._meta.auto_created:
                continue  # serialized as its own model (the through table)
            note = _field_note(model, field.name)
            if field.is_relation:
                note += f"值为 {field.related_model._meta.label_lower} 的自然键。"
            note = FIXTURE_NOTES.get((model._meta.label_lower, field.name), note)
            fields.append({"name": field.name, "type": field.get_internal_type(), "description": note})
        described.append({"model": model._meta.label_lower, "description": str(model._meta.verbose_name),
                          "records": counts.get(model._meta.label_lower, 0), "fields": fields})
    return described


def _row_count(name: str, data: bytes) -> int:
    if name.endswith(".json"):
        return len(json.loads(data))
    if name.endswith(".csv"):
        return sum(1 for _ in csv.reader(io.StringIO(data.decode("utf-8-sig")))) - 1
    return -1


def codebook_build(*, version: str, members: dict[str, bytes]) -> dict:
    """The codebook as plain data: ``{"title", "version", "files": [{"name", "format",
    "description", "records", "columns" | "models"}, …]}``."""
    files = [{
        "name": "catalogue.json",
        "format": "Django JSON fixture（自然键，无自增 id），可用 manage.py loaddata 载入空数据库。",
        "description": "整个已发布目录，与 manage.py export_catalogue 的格式相同（不含草稿和核实人账号）。",
        "records": len(json.loads(members["catalogue.json"])),
        "models": _fixture_models(members),
    }]
    for name, data in members.items():
        stem, dot, ext = name.rpartition(".")
        if stem not in FILE_NOTES:
            continue
        files.append({
            "name": name, "format": FORMATS["." + ext], "description": FILE_NOTES[stem][1],
            "records": _row_count(name, data) if ext != "xlsx" else _row_count(f"{stem}.csv", members[f"{stem}.csv"]),
            "columns": _column_notes(stem, PUBLIC_LISTS[stem].resource_class),
        })
    files.append({"name": "codebook.json / codebook.md", "format": "JSON / Markdown",
                  "description": "本说明：每个文件的格式和每一列的含义。", "records": None, "columns": []})
    files.append({"name": "README.md / LICENSE", "format": "Markdown / 文本",
                  "description": "数据集说明（内容、数量、版本、许可、引用方式）和许可协议全文链接。",
                  "records": None, "columns": []})
    files.append({
        "name": CHECKSUMS, "format": "文本，每行“SHA-256  文件名”，可用 sha256sum -c SHA256SUMS 校验。",
        "description": "除本文件外每个成员文件的 SHA-256 校验和。", "records": len(members) + 4,
        "columns": [{"name": "sha256", "description": "文件内容的 SHA-256（64 位十六进制）。"},
                    {"name": "name", "description": "压缩包内的文件名。"}],
    })
    return {"title": "支持民营企业改革发展的典型做法：开放数据", "version": version, "files": files}


def codebook_markdown(book: dict) -> str:
    """The codebook as Markdown (a heading and a column table per file)."""
    def cell(text) -> str:
        return str(text).replace("|", "\\|").replace("\n", " ")

    lines = [f"# {book['title']}", "", f"版本：{book['version']}", ""]
    for entry in book["files"]:
        lines += [f"## {entry['name']}", "", entry["description"], "", f"格式：{entry['format']}", ""]
        if entry.get("records") is not None:
            lines += [f"记录数：{entry['records']}", ""]
        if entry.get("columns"):
            lines += ["| 列 | 说明 |", "|---|---|"]
            lines += [f"| `{column['name']}` | {cell(column['description'])} |" for column in entry["columns"]]
            lines.append("")
        for model in entry.get("models", []):
            lines += [f"### {model['model']}（{model['description']}，{model['records']} 条）", "",
                      "| 字段 | 类型 | 说明 |", "|---|---|---|"]
            lines += [f"| `{field['name']}` | {field['type']} | {cell(field['description'])} |"
                      for field in model["fields"]]
            lines.append("")
    return "\n".join(lines)


# -- one build per revision --------------------------------------------------
def release_cache_dir() -> Path:
    """Where built releases are kept, one per catalogue revision (settings.RELEASE_CACHE_DIR)."""
    return Path(getattr(settings, "RELEASE_CACHE_DIR", Path(settings.BASE_DIR) / "var" / "release-cache"))


def release_current() -> Release:
    """The release of the current revision: read from the cache, or built once and stored.

    The file is ``<revision>--<zip name>``; a write to the catalogue gives a new
    revision, so the next call builds again and the older files are removed.
    Written to a temporary name and renamed, so a concurrent reader never sees
    half a zip; a cache directory that cannot be written only costs the build.
    """
    revision = catalogue_revision()
    directory = release_cache_dir()
    for path in sorted(directory.glob(f"{revision}--catalogue-*.zip")):
        version = path.name.split("--", 1)[1].removeprefix("catalogue-").removesuffix(".zip")
        try:
            return Release(version=version, filename=f"catalogue-{version}.zip", data=path.read_bytes())
        except OSError:
            break
    built = release_build()
    try:
        directory.mkdir(parents=True, exist_ok=True)
        for old in directory.glob("*--catalogue-*.zip"):
            old.unlink(missing_ok=True)
        temporary = directory / f".{revision}.{os.getpid()}.tmp"
        temporary.write_bytes(built.data)
        os.replace(temporary, directory / f"{revision}--{built.filename}")
    except OSError:
        pass
    return built


# -- the download ------------------------------------------------------------
@require_safe
def release_download(request: HttpRequest) -> HttpResponse:
    """/data/release.zip: the release of the current data, built in memory, versioned file name.

    The ETag is the version (it changes with the data), so a client re-fetching
    an unchanged release gets a 304.
    """
    built = release_current()
    etag = f'"{built.version}"'
    if etag in request.headers.get("If-None-Match", ""):
        response = HttpResponse(status=304)
    else:
        response = HttpResponse(built.data, content_type="application/zip")
        response["Content-Disposition"] = f'attachment; filename="{built.filename}"'
    response["ETag"] = etag
    return response
