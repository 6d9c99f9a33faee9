from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from highland.core.models import User


class AuditFilterForm(forms.Form):
    action = forms.CharField(label=_("Action starts with"), required=False, max_length=80)
    actor = forms.CharField(label=_("Done by (username)"), required=False, max_length=150)
    object_type = forms.ChoiceField(label=_("Object type"), required=False, choices=())
    since = forms.DateField(
        label=_("From"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    until = forms.DateField(
        label=_("To"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )

    def __init__(self, *args: object, object_types: list[str], **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        self.fields["object_type"].choices = [("", _("Any")), *[(t, t) for t in object_types]]  # type: ignore[attr-defined]

    def clean(self) -> dict[str, object]:
        data = super().clean() or {}
        since, until = data.get("since"), data.get("until")
        if since and until and since > until:
            raise forms.ValidationError(_("The start date is after the end date."))
        return data


class IssueTokenForm(forms.Form):
    holder: forms.ModelChoiceField[User] = forms.ModelChoiceField(
        label=_("Acts as"), queryset=User.objects.none()
    )
    name = forms.CharField(label=_("Device name"), max_length=80)

    def __init__(self, *args: object, holders: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        self.fields["holder"].queryset = holders  # type: ignore[attr-defined]
