from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from highland.core.models import User


class AuditFilterForm(forms.Form):
    """Filters of the audit page, each a choice among what the county's records hold."""

    action = forms.ChoiceField(label=_("Action"), required=False, choices=())
    # People's names are data, in whatever script they were written.
    actor = forms.ChoiceField(
        label=_("Done by"),
        required=False,
        choices=(),
        widget=forms.Select(attrs={"translate": "no"}),
    )
    object_type = forms.ChoiceField(label=_("Object type"), required=False, choices=())
    since = forms.DateField(
        label=_("From"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    until = forms.DateField(
        label=_("To"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )

    def __init__(
        self,
        *args: object,
        actions: list[tuple[str, str]],
        actors: list[tuple[str, str]],
        object_types: list[tuple[str, str]],
        **kwargs: object,
    ) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        for name, choices in (
            ("action", actions),
            ("actor", actors),
            ("object_type", object_types),
        ):
            self.fields[name].choices = [("", _("Any")), *choices]  # type: ignore[attr-defined]

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
