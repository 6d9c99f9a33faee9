"""Pages to register with a mobile number and to reset a forgotten password by code."""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import login
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from highland.core.access import site_county
from highland.core.errors import DomainError
from highland.core.signin import guest_session_key, hand_over_guest_session
from highland.core.throttling import client_address
from highland.messaging import signup
from highland.messaging.forms import PhoneForm, RegisterForm, ResetForm
from highland.messaging.models import CodePurpose

LOGIN_BACKEND = "django.contrib.auth.backends.ModelBackend"


def _add_error(form: PhoneForm | RegisterForm | ResetForm, error: DomainError) -> None:
    field = error.field if error.field in form.fields else None
    form.add_error(field, error.message)


def _next(request: HttpRequest) -> str:
    target = request.POST.get("next") or request.GET.get("next") or ""
    if target and url_has_allowed_host_and_scheme(target, {request.get_host()}):
        return target
    return settings.LOGIN_REDIRECT_URL


def _code_step(
    request: HttpRequest,
    purpose: str,
    template: str,
    second: RegisterForm | ResetForm,
    status: int = 422,
) -> HttpResponse:
    """Step one (send a code) is handled here; any POST that gets this far was refused."""
    county = site_county(request)
    phone_form = PhoneForm(request.POST if request.POST.get("step") == "code" else None)
    if county is None:
        messages.error(request, _("Open this page from the shop of your county."))
    elif phone_form.is_valid():
        try:
            signup.request_phone_code(
                county,
                phone=phone_form.cleaned_data["phone"],
                purpose=purpose,
                address=client_address(request),
                language=get_language(),
            )
        except DomainError as error:
            _add_error(phone_form, error)
            status = error.status_code
        else:
            request.session["signup_phone"] = phone_form.cleaned_data["phone"]
            messages.success(
                request,
                _(
                    "If the number can receive it, a code is on its way. "
                    "It is valid for ten minutes."
                )
                if purpose == CodePurpose.RESET_PASSWORD
                else _("A code is on its way to your phone. It is valid for ten minutes."),
            )
            return redirect(request.get_full_path())
    return render(
        request,
        template,
        {"phone_form": phone_form, "form": second, "next": _next(request), "county": county},
        status=status if request.method == "POST" else 200,
    )


def register(request: HttpRequest) -> HttpResponse:
    """Step one: a code to the number; step two: the code, a name and a password."""
    initial = {"phone": request.session.get("signup_phone", "")}
    form = RegisterForm(
        request.POST if request.POST.get("step") == "register" else None, initial=initial
    )
    county = site_county(request)
    status = 422
    if form.is_valid() and county is not None:
        try:
            person = signup.register_with_code(county, **form.cleaned_data)
        except DomainError as error:
            _add_error(form, error)
            status = error.status_code
        else:
            request.session.pop("signup_phone", None)
            guest_session = guest_session_key(request)
            login(request, person, backend=LOGIN_BACKEND)
            # What the visitor put in the cart before registering stays there.
            hand_over_guest_session(guest_session, person)
            messages.success(request, _("Welcome! Your account is ready."))
            return redirect(_next(request))
    return _code_step(request, CodePurpose.REGISTER, "messaging/register.html", form, status)


def password_reset(request: HttpRequest) -> HttpResponse:
    """A new password for whoever holds the number: the code proves it."""
    initial = {"phone": request.session.get("signup_phone", "")}
    form = ResetForm(request.POST if request.POST.get("step") == "reset" else None, initial=initial)
    status = 422
    if form.is_valid():
        try:
            signup.reset_password_with_code(**form.cleaned_data)
        except DomainError as error:
            _add_error(form, error)
            status = error.status_code
        else:
            request.session.pop("signup_phone", None)
            messages.success(request, _("Your password is changed. Log in with it."))
            return redirect("login")
    return _code_step(
        request, CodePurpose.RESET_PASSWORD, "messaging/password_reset.html", form, status
    )
