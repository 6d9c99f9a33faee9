"""The site's URLs with the ledger pages mounted, until highland/urls.py includes them."""

from django.urls import URLPattern, URLResolver, include, path

from highland.urls import urlpatterns as site_urlpatterns

urlpatterns: list[URLPattern | URLResolver] = list(site_urlpatterns)
if not any(getattr(pattern, "namespace", None) == "ledger" for pattern in urlpatterns):
    urlpatterns.append(path("ledger/", include("highland.ledger.urls")))
