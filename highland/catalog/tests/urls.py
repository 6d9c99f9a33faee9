"""The site's URLs with the shop mounted at /shop/, as highland/urls.py will mount it."""

from django.urls import include, path

from highland.urls import urlpatterns as site_urlpatterns

urlpatterns = [*site_urlpatterns, path("shop/", include("highland.catalog.urls"))]
