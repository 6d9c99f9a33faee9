from django.conf import settings
from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path, re_path
from django.views.generic import RedirectView

from highland.api import api
from highland.core import views as core_views
from highland.messaging import signup_views as messaging_views
from highland.web import media as web_media
from highland.web import views as web_views

urlpatterns = [
    # Browsers ask for /favicon.ico whatever the page names; the icon is one small SVG.
    path(
        "favicon.ico",
        RedirectView.as_view(url=settings.STATIC_URL + "web/favicon.svg", permanent=True),
    ),
    path("", web_views.home, name="home"),
    path("accounts/login/", web_views.LoginView.as_view(), name="login"),
    path("accounts/logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("accounts/password/", auth_views.PasswordChangeView.as_view(), name="password_change"),
    path(
        "accounts/password/done/",
        auth_views.PasswordChangeDoneView.as_view(),
        name="password_change_done",
    ),
    path("accounts/register/", messaging_views.register, name="register"),
    path("accounts/password/reset/", messaging_views.password_reset, name="password-reset"),
    path("accounts/locked/", core_views.locked_logins, name="locked-logins"),
    path("i18n/setlang/", core_views.switch_language, name="set_language"),
    path("audit/", core_views.audit_list, name="audit-list"),
    path("tokens/", core_views.token_list, name="token-list"),
    path("tokens/<int:token_id>/revoke/", core_views.token_revoke, name="token-revoke"),
    path("network/", include("highland.network.urls")),
    path("shop/", include("highland.catalog.urls")),
    path("orders/", include("highland.orders.urls")),
    path("payments/", include("highland.payments.urls")),
    path("ledger/", include("highland.ledger.urls")),
    path("messaging/", include("highland.messaging.urls")),
    path("coops/", include("highland.coops.urls")),
    path("logistics/", include("highland.logistics.urls")),
    path("admin/", admin.site.urls),
    path("api/v1/", api.urls),
]

if settings.BENCH_ENDPOINTS:
    # The baseline for `make bench`: the whole middleware stack, a tiny template, no queries.
    urlpatterns.append(path("_bench/bare/", web_views.bare_page, name="bench-bare"))

# Product photos, in every profile: nginx may serve the same folders first
# (docs/deploy.md). Private uploads have no URL here; their own views check access.
urlpatterns.append(re_path(r"^media/(?P<path>.+)$", web_media.public_media, name="public-media"))
