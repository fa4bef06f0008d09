"""The per-save index updates: post_save / post_delete receivers and their connection."""
from __future__ import annotations

from django.db.models import QuerySet

from ..models import CaseReport, Practice, PracticeEntry
from .deferred import _touched
from .documents import _INDEXES
from .rebuild import _fts5_forget

# Fields whose change alters a record's words; a save limited to other fields is free.
_TEXT_FIELDS = {Practice: {"name"}, PracticeEntry: {"text", "position", "practice"},
                CaseReport: {"title", "subtitle", "body"}}


def _affects_text(sender, update_fields) -> bool:
    return update_fields is None or bool(_TEXT_FIELDS[sender] & set(update_fields))


def _on_practice_saved(sender, instance, raw=False, using="default", update_fields=None, **kwargs):
    if not raw and _affects_text(sender, update_fields):
        _touched(Practice, instance.pk, using, instance)


def _on_entry_saved(sender, instance, raw=False, using="default", update_fields=None, **kwargs):
    if not raw and _affects_text(sender, update_fields):
        _touched(Practice, instance.practice_id, using)


def _on_entry_deleted(sender, instance, using="default", origin=None, **kwargs):
    # Entries deleted along with their practice: the practice's own deletion clears its row.
    if isinstance(origin, Practice) or (isinstance(origin, QuerySet) and origin.model is Practice):
        return
    _touched(Practice, instance.practice_id, using)


def _on_case_report_saved(sender, instance, raw=False, using="default", update_fields=None, **kwargs):
    if not raw and _affects_text(sender, update_fields):
        _touched(CaseReport, instance.pk, using, instance)


def _on_record_deleted(sender, instance, using="default", **kwargs):
    _fts5_forget(_INDEXES[sender], [instance.pk], alias=using)


def connect_signals() -> None:
    """Connect the per-save updates (PracticesConfig.ready calls this once)."""
    from django.db.models.signals import post_delete, post_save

    post_save.connect(_on_practice_saved, sender=Practice, dispatch_uid="search_practice_saved")
    post_save.connect(_on_entry_saved, sender=PracticeEntry, dispatch_uid="search_entry_saved")
    post_delete.connect(_on_entry_deleted, sender=PracticeEntry, dispatch_uid="search_entry_deleted")
    post_save.connect(_on_case_report_saved, sender=CaseReport, dispatch_uid="search_case_report_saved")
    post_delete.connect(_on_record_deleted, sender=Practice, dispatch_uid="search_practice_deleted")
    post_delete.connect(_on_record_deleted, sender=CaseReport, dispatch_uid="search_case_report_deleted")
