from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from highland.core.money import YuanField


class CashCountForm(forms.Form):
    counted = YuanField(label=_("Cash counted (yuan)"), min_fen=0)
    handed_over = YuanField(label=_("Handed over to the bank (yuan)"), min_fen=0)
    note = forms.CharField(
        label=_("Note (needed when the count differs)"), max_length=200, required=False
    )


class SettlementDayForm(forms.Form):
    settle_date = forms.DateField(
        label=_("Settlement day (YYYY-MM-DD)"),
        widget=forms.DateInput(attrs={"type": "date"}),
    )
