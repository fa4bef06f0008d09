"""Shared admin machinery: history with one-click revert and restore, optimistic locking, import/export.

* ``HistoryAdmin`` (django-simple-history's SimpleHistoryAdmin): every staff
  change is a historical record (who, when, a field diff); each record has a
  "恢复到此版本" button (one POST, no second form); deleted records are listed
  under "已删除的记录" and can be restored with their cascaded children
  (``practices.history``).
* Saves go through ``services.curated_record_save``: a conditional UPDATE on
  ``version`` that refuses a save based on an older version (forms.py).
  Who may publish is ``services.user_can_publish``; a status change is
  checked and stamped by ``services.record_status_apply``.
* ``CatalogueAdmin`` (``importing``) adds django-import-export to HistoryAdmin.
"""
from __future__ import annotations

import difflib
from datetime import datetime

from django.contrib import messages
from django.contrib.admin.utils import unquote
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.html import escape, format_html
from django.utils.safestring import mark_safe
from simple_history.admin import SimpleHistoryAdmin
from simple_history.template_utils import HistoricalRecordContextHelper

from .. import history, services
from ..forms import VERSION_FIELD, VersionedModelForm, expected_version_of
from .scale import EstimatedCountPaginator

EXCERPT_CHARS = 300


def is_versioned(model) -> bool:
    return any(f.name == "version" for f in model._meta.concrete_fields)


def excerpt(text: str, limit: int = EXCERPT_CHARS):
    """A <pre> block of the first ``limit`` characters of ``text`` (provenance display)."""
    if not text:
        return "—"
    shown = text if len(text) <= limit else text[:limit] + "…"
    return format_html('<pre class="provenance-excerpt">{}</pre>', shown)


class DiffContextHelper(HistoricalRecordContextHelper):
    """History diffs for people: choice labels, Beijing time, and long texts as a character diff."""

    def prepare_delta_change_value(self, change, value):
        value = super().prepare_delta_change_value(change, value)
        field = self.model._meta.get_field(change.field)
        if value is None or value == "":
            return "（空）"
        if getattr(field, "flatchoices", None):
            return str(dict(field.flatchoices).get(value, value))
        if isinstance(value, datetime):
            return f"{timezone.localtime(value):%Y-%m-%d %H:%M:%S}"
        if isinstance(value, bool):
            return "是" if value else "否"
        return value

    def stringify_delta_change_values(self, change, old, new):
        if isinstance(old, str) and isinstance(new, str) and max(len(old), len(new)) > 40:
            return inline_diff(old, new)
        return super().stringify_delta_change_values(change, old, new)


def inline_diff(old: str, new: str, context: int = 20) -> tuple[str, str]:
    """(old, new) as safe HTML: unchanged runs shortened to ``context`` chars, changes marked."""
    matcher = difflib.SequenceMatcher(a=old, b=new, autojunk=False)
    left, right = [], []

    def keep(text: str) -> str:
        if len(text) <= 2 * context:
            return escape(text)
        return escape(text[:context]) + "…" + escape(text[-context:])

    for tag, a0, a1, b0, b1 in matcher.get_opcodes():
        if tag == "equal":
            left.append(keep(old[a0:a1]))
            right.append(keep(new[b0:b1]))
            continue
        if a1 > a0:
            left.append(format_html('<del class="diff-del">{}</del>', old[a0:a1]))
        if b1 > b0:
            right.append(format_html('<ins class="diff-ins">{}</ins>', new[b0:b1]))
    return mark_safe("".join(left)), mark_safe("".join(right))  # every part is escaped above


class VersionConflictMessageMixin:
    """A change form whose save lost a version race shows the conflict instead of a 500."""

    def changeform_view(self, request, object_id=None, form_url="", extra_context=None):
        try:
            return super().changeform_view(request, object_id, form_url, extra_context)
        except services.VersionConflict as conflict:
            # A save that raced past the form check: nothing was written (the view is atomic).
            self.message_user(request, conflict.message, messages.ERROR)
            return HttpResponseRedirect(request.get_full_path())


class HistoryAdmin(VersionConflictMessageMixin, SimpleHistoryAdmin):
    """History, revert (after a confirmation page), restore of deleted records, versioned saves."""

    class Media:
        # Layout and the styles that were inline (the CSP forbids inline styles).
        css = {"all": ("practices/admin.css",)}

    object_history_list_template = "admin/practices/object_history_list.html"
    object_history_form_template = "admin/practices/object_history_form.html"
    history_list_per_page = 50
    list_per_page = 50
    # Large tables: no second COUNT(*) of the whole table, and an estimate for an unfiltered one (scale.py).
    show_full_result_count = False
    paginator = EstimatedCountPaginator

    def __init__(self, model, admin_site):
        if is_versioned(model) and not issubclass(self.form, VersionedModelForm):
            self.form = VersionedModelForm
        super().__init__(model, admin_site)

    # ---- URLs
    def get_urls(self):
        info = f"{self.opts.app_label}_{self.opts.model_name}"
        wrap = self.admin_site.admin_view
        return [
            path("<path:object_id>/history/<int:history_id>/revert/", wrap(self.revert_view),
                 name=f"{info}_revert"),
            path("deleted/", wrap(self.deleted_view), name=f"{info}_deleted"),
            path("deleted/<int:object_id>/restore/", wrap(self.restore_view), name=f"{info}_restore"),
            *super().get_urls(),
        ]

    def _url(self, name: str, *args) -> str:
        return reverse(f"admin:{self.opts.app_label}_{self.opts.model_name}_{name}", args=args,
                       current_app=self.admin_site.name)

    # ---- forms: carry the version everywhere
    def get_fieldsets(self, request, obj=None):
        fieldsets = super().get_fieldsets(request, obj)
        if not is_versioned(self.model):
            return fieldsets
        listed = {name for _, opts in fieldsets for name in _flatten(opts.get("fields", ()))}
        if VERSION_FIELD in listed:
            return fieldsets
        first_name, first_opts = fieldsets[0]
        return [(first_name, {**first_opts, "fields": (*first_opts["fields"], VERSION_FIELD)}), *fieldsets[1:]]

    # ---- saves
    def save_model(self, request, obj, form, change):
        # Publishing is the reviewers' (status is read-only for others); this also stamps published_at.
        services.record_status_apply(instance=obj, user=request.user)
        if is_versioned(type(obj)):
            services.curated_record_save(instance=obj, user=request.user, expected_version=expected_version_of(form))
        else:
            obj._history_user = request.user
            obj.full_clean()
            obj.save()

    def save_formset(self, request, form, formset, change):
        forms_by_object = {id(f.instance): f for f in formset.forms}
        instances = formset.save(commit=False)
        for obj in formset.deleted_objects:
            obj._history_user = request.user
            obj.delete()
        for obj in instances:
            row_form = forms_by_object.get(id(obj))
            if is_versioned(type(obj)):
                services.curated_record_save(instance=obj, user=request.user,
                                             expected_version=expected_version_of(row_form))
            else:
                obj._history_user = request.user
                obj.full_clean()
                obj.save()
        formset.save_m2m()

    def delete_model(self, request, obj):
        obj._history_user = request.user
        super().delete_model(request, obj)

    def changelist_view(self, request, extra_context=None):
        try:
            return super().changelist_view(request, extra_context)
        except services.VersionConflict as conflict:
            self.message_user(request, conflict.message, messages.ERROR)
            return HttpResponseRedirect(request.get_full_path())

    def has_publish_permission(self, request) -> bool:
        """The "publish" action permission and the editable status field (services.user_can_publish)."""
        return services.user_can_publish(user=request.user, model=self.model)

    # ---- history
    def get_historical_record_context_helper(self, request, historical_record):
        return DiffContextHelper(self.model, historical_record)

    def history_view(self, request, object_id, extra_context=None):
        context = {"revert_url_name": f"{self.opts.app_label}_{self.opts.model_name}_revert",
                   "can_revert": self.has_change_permission(request)}
        context.update(extra_context or {})
        return super().history_view(request, object_id, extra_context=context)

    def history_form_view(self, request, object_id, version_id, extra_context=None):
        if request.method == "POST":
            # The built-in "revert" posts the old values through the (versioned) change form;
            # route it to the one-click revert instead, which saves them as a new version.
            return self.revert_view(request, object_id, int(version_id))
        context = {"revert_url": self._url("revert", unquote(object_id), version_id),
                   "can_revert": self.has_change_permission(request)}
        context.update(extra_context or {})
        return super().history_form_view(request, object_id, version_id, extra_context=context)

    def revert_view(self, request, object_id, history_id):
        """GET: a confirmation page with what the revert changes (fields and, for a practice, entries); POST: revert."""
        if not self.has_change_permission(request):
            raise PermissionDenied
        record = get_object_or_404(self.model.history, id=unquote(object_id), history_id=history_id)
        if request.method != "POST":
            context = {
                **self.admin_site.each_context(request),
                "title": "确认恢复到此版本",
                "opts": self.opts,
                "record": record,
                "object_id": unquote(object_id),
                "changes": [(label, *_shown(now, then)) for label, now, then in history.revert_changes(record=record)],
                "history_url": self._url("history", unquote(object_id)),
                "status_changes": self._status_changes(record),
            }
            request.current_app = self.admin_site.name
            return TemplateResponse(request, "admin/practices/revert_confirm.html", context)
        try:
            obj = history.record_revert(record=record, user=request.user)
        except (services.VersionConflict, ValidationError) as exc:
            self.message_user(request, f"未能恢复：{_message(exc)}", messages.ERROR)
            return HttpResponseRedirect(self._url("history", unquote(object_id)))
        when = timezone.localtime(record.history_date)
        self.message_user(request, f"已把“{obj}”恢复到 {when:%Y-%m-%d %H:%M:%S} 的版本（恢复本身也记入历史，可再撤销）。",
                          messages.SUCCESS)
        return HttpResponseRedirect(self._url("change", obj.pk))

    def _status_changes(self, record) -> bool:
        current = self.model._default_manager.filter(pk=record.id).values_list("status", flat=True).first() \
            if hasattr(self.model, "status") else None
        return current is not None and current != getattr(record, "status", current)

    def deleted_view(self, request):
        if not (self.has_view_permission(request) and self.has_add_permission(request)):
            raise PermissionDenied
        context = {
            **self.admin_site.each_context(request),
            "title": f"已删除的{self.opts.verbose_name}",
            "opts": self.opts,
            "records": history.deleted_records(model=self.model),
            "restore_url_name": f"{self.opts.app_label}_{self.opts.model_name}_restore",
        }
        request.current_app = self.admin_site.name
        return TemplateResponse(request, "admin/practices/deleted_records.html", context)

    def restore_view(self, request, object_id):
        if request.method != "POST":
            return HttpResponseRedirect(self._url("deleted"))
        if not self.has_add_permission(request):
            raise PermissionDenied
        try:
            obj = history.record_restore(model=self.model, object_id=object_id, user=request.user)
        except ValidationError as exc:
            self.message_user(request, f"未能恢复：{_message(exc)}", messages.ERROR)
            return HttpResponseRedirect(self._url("deleted"))
        self.message_user(request, f"已恢复“{obj}”。", messages.SUCCESS)
        return HttpResponseRedirect(self._url("change", obj.pk))


def _shown(now: str, then: str):
    """(now, then) for the confirmation page: long texts as a marked character diff."""
    if max(len(now), len(then)) > 40:
        return inline_diff(now, then)
    return now or "（空）", then or "（空）"


def _flatten(fields):
    for item in fields:
        if isinstance(item, list | tuple):
            yield from item
        else:
            yield item


def _message(exc) -> str:
    if isinstance(exc, ValidationError):
        return "；".join(exc.messages)
    return str(getattr(exc, "message", exc))
