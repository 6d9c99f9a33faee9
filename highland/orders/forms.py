from __future__ import annotations

from typing import Any

from django import forms
from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _

from highland.core.models import User
from highland.core.schemas import MAX_OBJECT_ID, MAX_QUANTITY
from highland.network.models import ServicePoint
from highland.orders.models import Carrier, Delivery
from highland.payments.models import PaymentMethod


class CartLineForm(forms.Form):
    sku_id = forms.IntegerField(widget=forms.HiddenInput, min_value=1, max_value=MAX_OBJECT_ID)
    quantity = forms.IntegerField(label=_("Quantity"), min_value=0, max_value=MAX_QUANTITY)


class CheckoutForm(forms.Form):
    delivery = forms.ChoiceField(
        label=_("Delivery"), choices=Delivery.choices, widget=forms.RadioSelect
    )
    recipient_name = forms.CharField(label=_("Recipient"), max_length=60)
    phone = forms.CharField(label=_("Mobile phone"), max_length=24, required=False)
    province = forms.CharField(label=_("Province"), max_length=20, required=False, initial="四川省")
    city = forms.CharField(label=_("City"), max_length=30, required=False)
    district = forms.CharField(label=_("County or district"), max_length=30, required=False)
    township = forms.CharField(label=_("Township"), max_length=30, required=False)
    detail = forms.CharField(label=_("Address"), max_length=120, required=False)
    pickup_point = forms.ModelChoiceField(
        label=_("Pickup point"), queryset=ServicePoint.objects.none(), required=False
    )
    payment_method = forms.ChoiceField(
        label=_("Payment"), choices=PaymentMethod.choices, widget=forms.RadioSelect
    )
    # One key per rendered form: a double submit places one order.
    idempotency_key = forms.CharField(widget=forms.HiddenInput)

    def __init__(self, *args: Any, points: QuerySet[ServicePoint], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["pickup_point"].queryset = points  # type: ignore[attr-defined]


class AssistedOrderForm(forms.Form):
    """Placing a villager's basket: the basket itself is in the agent's session."""

    villager = forms.ModelChoiceField(
        label=_("Villager"), queryset=User.objects.none(), widget=forms.HiddenInput
    )
    pickup_point = forms.ModelChoiceField(
        label=_("Pickup point"), queryset=ServicePoint.objects.none()
    )
    idempotency_key = forms.CharField(widget=forms.HiddenInput)

    def __init__(
        self, *args: Any, villagers: QuerySet[User], points: QuerySet[ServicePoint], **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        self.fields["villager"].queryset = villagers  # type: ignore[attr-defined]
        self.fields["pickup_point"].queryset = points  # type: ignore[attr-defined]


class PickerQueryForm(forms.Form):
    """What the product picker searches: characters, pinyin or initials, and a category."""

    q = forms.CharField(label=_("Search products"), max_length=100, required=False)
    category = forms.CharField(max_length=40, required=False, widget=forms.HiddenInput)
    page = forms.IntegerField(min_value=1, max_value=1000, required=False, widget=forms.HiddenInput)


class BasketLineForm(forms.Form):
    """One "add" or "remove" of the product picker; the quantity is read in its unit."""

    villager = forms.ModelChoiceField(queryset=User.objects.none())
    sku = forms.IntegerField(min_value=1, max_value=MAX_OBJECT_ID)
    quantity = forms.CharField(label=_("Quantity"), max_length=20, required=False)
    unit = forms.CharField(max_length=10, required=False)

    def __init__(self, *args: Any, villagers: QuerySet[User], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["villager"].queryset = villagers  # type: ignore[attr-defined]


class ReasonForm(forms.Form):
    reason = forms.CharField(label=_("Reason"), max_length=200)


class PickupForm(forms.Form):
    pickup_code = forms.CharField(label=_("Pickup code"), max_length=8)


class TransferForm(forms.Form):
    bank_reference = forms.CharField(label=_("Bank reference"), max_length=64)


class ShipForm(forms.Form):
    carrier = forms.ChoiceField(label=_("Carrier"), choices=Carrier.choices)
    carrier_name = forms.CharField(
        label=_("Carrier's name (for another carrier)"), max_length=30, required=False
    )
    # The service checks the pattern, with one message for page and API.
    tracking_number = forms.CharField(label=_("Tracking number"), max_length=40, required=False)
