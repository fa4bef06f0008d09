"""Admin forms: optimistic locking for every versioned record (no lost updates).

Each form carries the ``version`` the editor opened as a hidden field
(``expected_version``). On submit, the form is refused with a message listing
what changed meanwhile when the stored version moved on; the save itself is a
conditional ``UPDATE … WHERE pk = … AND version = …``
(``services.curated_record_save``) so that a save racing past the check is
refused too.
"""
from __future__ import annotations

from django import forms
from django.core.exceptions import ValidationError

from . import services

VERSION_FIELD = "expected_version"


class VersionedModelForm(forms.ModelForm):
    """A ModelForm for a model with ``version``; refuses stale saves."""

    expected_version = forms.IntegerField(
        widget=forms.HiddenInput, required=False, min_value=1,
        label="版本", help_text="打开页面时的版本号，用于防止覆盖他人的修改。",
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.pk is not None:
            self.fields[VERSION_FIELD].initial = self.instance.version

    @property
    def is_existing(self) -> bool:
        return self.instance.pk is not None and not self.instance._state.adding

    def has_changed(self) -> bool:
        # The version alone is not a change (a stale, untouched inline row is simply not saved).
        return any(name != VERSION_FIELD for name in self.changed_data)

    def expected_version_value(self) -> int | None:
        value = self.cleaned_data.get(VERSION_FIELD) if hasattr(self, "cleaned_data") else None
        return value if value is not None else (self.instance.version if self.is_existing else None)

    def clean(self):
        cleaned = super().clean()
        if not self.is_existing:
            return cleaned
        # Inline and list rows that were not touched are not saved, so they cannot overwrite anything.
        if self.prefix and not self.has_changed() and not self._is_main_form():
            return cleaned
        expected = cleaned.get(VERSION_FIELD)
        if expected is None:
            raise ValidationError("表单缺少版本号，无法确认是否有人同时修改过：请重新打开页面再保存。",
                                  code="version_missing")
        conflict = services.version_conflict(instance=self.instance, expected_version=expected)
        if conflict is not None:
            raise ValidationError(conflict.message, code="version_conflict")
        return cleaned

    def _is_main_form(self) -> bool:
        return not self.prefix


class VersionedInlineFormSet(forms.BaseInlineFormSet):
    """Inline formset whose forms are VersionedModelForms (conflicts reported per row)."""


def expected_version_of(form) -> int | None:
    """The version a submitted form was based on (None for new records or unversioned models)."""
    if isinstance(form, VersionedModelForm):
        return form.expected_version_value()
    return None
