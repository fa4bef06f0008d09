"""Downloads of any filtered list: /practices/export.csv|.xlsx|.json and the same for
/case-reports/ and /metrics/.

The lists and what serves each are ``practices.lists``. The query string is
the list page's own: the same FilterSet picks the rows, and the admin's
import-export Resources (``practices.resources``) write the columns, so the
admin and the public download the same layout. Only published records are exported (the
FilterSets and ``published_only`` both see to it).

* CSV: UTF-8 with a BOM (Excel on Chinese Windows otherwise guesses GBK),
  streamed row by row so memory stays flat whatever the catalogue's size.
* XLSX: one sheet, built in memory (a zip cannot be written as a stream);
  numbers (number, value, normalized_value, as_of_year …) and dates are typed
  cells, so sorting and sums work in Excel and LibreOffice.
* JSON: a list of objects keyed by column name, streamed.

CSV and XLSX cells starting with = + - @ (or a tab/CR) get a leading ``'``
so that a spreadsheet shows them as text instead of running a formula; JSON
is not a spreadsheet and keeps the values as they are.

A download is named by its filters (``practices-wenzhou-category-2.xlsx``),
so that several downloads of one list stay apart on disk. ``?headers=zh``
writes Chinese column headers in CSV and XLSX (for readers; the default
headers are the field names that the admin's import expects); JSON keeps its
keys, which are a program's. A refused value (a filter, ``headers``, a
malformed ``page``/``per_page``/``page_size`` copied from a list's address,
``lang``) is a 400 problem document like the API's (``practices.problems``,
RFC 9457, ``?lang=en`` for English), naming each parameter; any method but
GET/HEAD a 405 in the same shape.
"""
from __future__ import annotations

import csv
import io
import json
import re
import zipfile
from collections.abc import Iterable, Iterator

import tablib
from django.http import FileResponse, HttpRequest, HttpResponseBase, StreamingHttpResponse
from django.utils import translation
from django.utils.http import content_disposition_header
from django.utils.text import slugify
from django.utils.translation import gettext as _

from . import export_rows, params, resources
from .lists import PUBLIC_LISTS
from .middleware import database_unavailable_reason
from .problems import problem_response, unavailable_problem

CONTENT_TYPES = {
    "csv": "text/csv; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "json": "application/json; charset=utf-8",
}
# Rows per database round trip; also the CSV/JSON write batch.
CHUNK_SIZE = export_rows.CHUNK_SIZE
# Fixed member timestamps make an XLSX byte-identical for the same rows (the
# zip format cannot store dates before 1980).
FIXED_ZIP_TIME = (1980, 1, 1, 0, 0, 0)
FIXED_CORE_TIME = "1980-01-01T00:00:00Z"


class Table:
    """Headers and lazily produced rows of one export.

    ``rows()`` yields lists of cell values (strings, as the Resource widgets
    render them), reading the queryset in chunks.
    """

    def __init__(self, resource: resources.CatalogueResource, queryset, *, headers: str = ""):
        self.resource = resource
        # filter_export applies published_only: a second guard besides the FilterSet.
        self.queryset = resource.filter_export(queryset)
        self.headers = resource.get_export_headers()
        if headers == "zh":
            self.headers = [COLUMN_HEADERS_ZH.get(name, name) for name in self.headers]

    def rows(self) -> Iterator[list]:
        """The rows in the list's order, read CHUNK_SIZE records at a time.

        Practices take a fast path (practices.export_rows). For the rest, the ids come first, in one query that keeps the list's filters and
        order (a search is matched and ranked once); each chunk is then
        fetched by id through the Resource's own queryset (its joins and
        prefetches) without the long texts no column shows. Memory holds one
        chunk, and every chunk costs the same, where OFFSET paging (what
        import-export's ``iter_queryset`` does) rescans all earlier rows.
        """
        fast = export_rows.fast_rows(self.resource, self.queryset)
        if fast is not None:
            yield from fast
            return
        ids = list(self.queryset.values_list("pk", flat=True))
        base = self.resource.get_queryset()
        heavy = export_rows.export_deferred(base.model)
        if heavy:
            base = base.defer(*heavy)
        for start in range(0, len(ids), CHUNK_SIZE):
            chunk = ids[start:start + CHUNK_SIZE]
            found = base.in_bulk(chunk)
            for pk in chunk:
                if pk in found:  # deleted since the ids were read: left out
                    yield self.resource.export_resource(found[pk])

    def dataset(self) -> tablib.Dataset:
        """Everything in memory (for XLSX and tests)."""
        return tablib.Dataset(*self.rows(), headers=self.headers)


# Column headers for readers (``?headers=zh``), by export column name; the same word wherever a column recurs.
COLUMN_HEADERS_ZH = {
    # practices
    "number": "序号", "name": "名称", "category": "类别编号", "category_name": "类别名称", "status": "状态",
    "cities": "城市", "entries": "各城市做法和成效", "source": "来源文件",
    # case reports
    "position": "顺序", "title": "标题", "subtitle": "副标题", "kicker": "栏目", "byline": "作者",
    "province": "省份", "categories": "主题类别", "body": "正文", "related_practices": "相关典型做法",
    # metrics
    "owner": "所属记录", "practice": "典型做法序号", "city": "城市", "report_position": "报道顺序",
    "raw": "原文数字", "value": "数值", "high": "区间上限", "unit": "单位", "normalized_value": "标准化数值",
    "normalized_high": "标准化上限", "normalized_unit": "标准单位", "kind": "类型", "qualifier": "限定词",
    "label": "指标", "measure": "度量", "as_of": "时间范围", "as_of_year": "年份", "as_of_month": "月份",
    "sentence": "原句", "offset": "字符位置", "verified": "已核实",
}
HEADER_CHOICES = ("", "zh")
# Filename parts: places first (they are what a download is usually about), then the rest in filter order.
FILENAME_FIRST = ("province", "city", "category")
MAX_FILENAME_LENGTH = 120


def table_for(kind: str, params=None, *, headers: str = "") -> tuple[Table | None, list[str]]:
    """(Table, []) for the public list named ``kind`` filtered by ``params`` (a QueryDict), or (None, error messages).

    A bad ``sort`` alone is not an error (the list page ignores it too).
    """
    table, filterset = _filtered(kind, params, headers=headers)
    if table is None:
        return None, [filterset.rejection_message()]
    return table, []


def _filtered(kind: str, params, *, headers: str = ""):
    """(Table or None when a value was refused, the FilterSet)."""
    public_list = PUBLIC_LISTS[kind]
    resource = public_list.resource_class(published_only=True)
    filterset = public_list.filterset_class(params, queryset=resource.get_queryset())
    if filterset.rejected():
        return None, filterset
    return Table(resource, filterset.qs, headers=headers), filterset


def _filename_part(name: str, value) -> str:
    if name == "category":
        return f"category-{value.number}"
    slug = getattr(value, "slug", None)
    if slug:  # a city or a province: its slug says it ("wenzhou", "zhejiang")
        return slug
    if value is True or value is False:
        return name.replace("_", "-") if value else f"no-{name.replace('_', '-')}"
    text = slugify(str(value), allow_unicode=True)
    return f"{name.replace('_', '-')}-{text}" if text else ""


def export_filename(kind: str, filterset, fmt: str, *, headers: str = "") -> str:
    """``practices-wenzhou-category-2.xlsx``: the list, then each applied filter (slugs, not ids); ``-zh``
    for Chinese headers. Search words stay as typed (``practices-q-融资.csv``), sent as RFC 6266 filename*."""
    chosen = {name: value for name, value in filterset.selected().items() if name != "sort"}
    order = [name for name in FILENAME_FIRST if name in chosen] + [n for n in chosen if n not in FILENAME_FIRST]
    parts = [kind, *(part for name in order if (part := _filename_part(name, chosen[name])))]
    if headers == "zh" and fmt != "json":
        parts.append("zh")
    return f"{'-'.join(parts)[:MAX_FILENAME_LENGTH]}.{fmt}"


# -- writers -----------------------------------------------------------------
def spreadsheet_row(row: Iterable) -> list:
    """A row safe for a spreadsheet: formula-like text cells quoted."""
    return [resources.neutralize_value(cell) for cell in row]


class _Line:
    """A file-like object whose ``write`` returns what was written (for csv.writer)."""

    def write(self, text: str) -> str:
        return text


def csv_chunks(table: Table) -> Iterator[bytes]:
    """UTF-8 CSV bytes with a BOM, in chunks of CHUNK_SIZE rows; the same text as resources.CSV."""
    writer = csv.writer(_Line())
    yield ("\ufeff" + writer.writerow(spreadsheet_row(table.headers))).encode("utf-8")
    batch: list[str] = []
    for row in table.rows():
        batch.append(writer.writerow(spreadsheet_row(row)))
        if len(batch) >= CHUNK_SIZE:
            yield "".join(batch).encode("utf-8")
            batch = []
    if batch:
        yield "".join(batch).encode("utf-8")


def json_chunks(table: Table) -> Iterator[bytes]:
    """A JSON list of {column: value} objects, indented like resources.JSON, in chunks."""
    yield b"["
    first = True
    for row in table.rows():
        # json.dumps([obj], indent=2) indents obj exactly as it would sit in the list.
        item = json.dumps([dict(zip(table.headers, row, strict=True))], ensure_ascii=False, indent=2, default=str)
        yield (("\n" if first else ",\n") + item[2:-2]).encode("utf-8")
        first = False
    yield b"]\n" if first else b"\n]\n"


def xlsx_bytes(table: Table, *, title: str, deterministic: bool = False) -> bytes:
    """An XLSX workbook of ``table`` (header row first) as bytes.

    ``deterministic`` fixes the document dates and zip timestamps so that the
    same rows always give the same bytes (for the data release).
    """
    # Numbers and dates as typed cells, so that sorting and sums work in a spreadsheet.
    types = resources.spreadsheet_cell_types(table.resource)
    dataset = tablib.Dataset(*(resources.typed_row(row, types) for row in table.rows()), headers=table.headers)
    dataset.title = title[:31]  # Excel's sheet-name limit
    data = resources.XLSX().export_data(dataset)
    return normalise_xlsx(data) if deterministic else data


def normalise_xlsx(data: bytes) -> bytes:
    """``data`` re-zipped with fixed timestamps and fixed created/modified dates."""
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as source, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for info in source.infolist():
            content = source.read(info.filename)
            if info.filename == "docProps/core.xml":
                content = re.sub(
                    rb"(<dcterms:(?:created|modified)[^>]*>)[^<]*(</dcterms:)",
                    rb"\g<1>" + FIXED_CORE_TIME.encode() + rb"\g<2>", content,
                )
            target.writestr(fixed_zipinfo(info.filename), content)
    return out.getvalue()


def fixed_zipinfo(name: str) -> zipfile.ZipInfo:
    """A ZipInfo with a fixed date, permissions and creator system (for byte-identical zips)."""
    info = zipfile.ZipInfo(name, date_time=FIXED_ZIP_TIME)
    info.compress_type = zipfile.ZIP_DEFLATED
    info.create_system = 3  # Unix, whatever machine builds it
    info.external_attr = 0o644 << 16
    return info


# -- views -------------------------------------------------------------------
# A list's page size parameters, refused when malformed although an export has no pages (one rule everywhere).
PAGE_SIZE_PARAMS = {"per_page": (20, 100), "page_size": (20, 100)}


def export_problems(request: HttpRequest) -> list[params.InvalidParam]:
    """The refused values among the parameters an export shares with its list but does not filter by."""
    problems: list[params.InvalidParam] = []
    headers = request.GET.get("headers", "")
    if headers not in HEADER_CHOICES:
        problems.append(params.InvalidParam("headers", _(
            "参数 headers 只能是 zh（中文表头）或不填，收到“%(value)s”。") % {"value": params.shown_value(headers)}))
    _number, problem = params.page_number(request.GET)
    problems += [problem] if problem else []
    for name, (default, maximum) in PAGE_SIZE_PARAMS.items():
        _size, problem = params.page_size(request.GET, name=name, default=default, maximum=maximum)
        problems += [problem] if problem else []
    return problems


def export(request: HttpRequest, kind: str, fmt: str) -> HttpResponseBase:
    """The filtered list ``kind`` as ``fmt`` (csv, xlsx, json), named by its filters; a problem document
    (400 naming each refused value, 405, 503) in the language ``lang`` asks for."""
    language, language_problem = params.requested_language(request.GET)
    with translation.override(language):
        try:
            response = _export(request, kind, fmt, language_problem)
        except Exception as exc:
            reason = database_unavailable_reason(exc)
            if reason is None:
                raise
            response = unavailable_problem(request, exc, reason)
    response.headers.setdefault("Content-Language", language)
    return response


def _export(request: HttpRequest, kind: str, fmt: str, language_problem) -> HttpResponseBase:
    if request.method not in ("GET", "HEAD"):
        return problem_response(405, _("导出只接受 GET 和 HEAD 请求，收到 %(method)s。") % {
            "method": params.shown_value(request.method)}, headers={"Allow": "GET, HEAD"})
    problems = ([language_problem] if language_problem else []) + export_problems(request)
    headers = request.GET.get("headers", "")
    public_list = PUBLIC_LISTS[kind]
    resource = public_list.resource_class(published_only=True)
    filterset = public_list.filterset_class(request.GET, queryset=resource.get_queryset())
    if not filterset.is_valid():
        problems += params.filter_problems(filterset)
    if problems:
        detail = filterset.rejection_message() if len(problems) == len(filterset.errors) else ""
        return problem_response(400, (detail or params.invalid_params_sentence(problems)) + _("未导出任何内容。"),
                                problems)
    table = Table(resource, filterset.qs, headers="" if fmt == "json" else headers)
    filename = export_filename(kind, filterset, fmt, headers=headers)
    if fmt == "xlsx":
        data = xlsx_bytes(table, title=public_list.sheet_title)
        return FileResponse(io.BytesIO(data), as_attachment=True, filename=filename,
                            content_type=CONTENT_TYPES["xlsx"])
    chunks = csv_chunks(table) if fmt == "csv" else json_chunks(table)
    response = StreamingHttpResponse(chunks, content_type=CONTENT_TYPES[fmt])
    response["Content-Disposition"] = content_disposition_header(as_attachment=True, filename=filename)
    return response
