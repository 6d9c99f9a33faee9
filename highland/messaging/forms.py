"""Forms of registration and password reset by text-message code."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _


class PhoneForm(forms.Form):
    phone = forms.CharField(label=_("Mobile number"), max_length=20)


class RegisterForm(forms.Form):
    phone = forms.CharField(label=_("Mobile number"), max_length=20)
    code = forms.CharField(label=_("Code from the text message"), max_length=6, min_length=6)
    display_name = forms.CharField(label=_("Your name"), max_length=120)
    password = forms.CharField(label=_("Password"), widget=forms.PasswordInput, max_length=128)


class ResetForm(forms.Form):
    phone = forms.CharField(label=_("Mobile number"), max_length=20)
    code = forms.CharField(label=_("Code from the text message"), max_length=6, min_length=6)
    password = forms.CharField(label=_("New password"), widget=forms.PasswordInput, max_length=128)
