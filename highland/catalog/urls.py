"""Shop and seller pages. Mounted at /shop/: path("shop/", include("highland.catalog.urls"))."""

from django.urls import path

from highland.catalog import views

app_name = "catalog"

urlpatterns = [
    # The shop: public, one county (see selectors.storefront_county).
    path("", views.storefront, name="storefront"),
    path("categories/<slug:code>/", views.category_products, name="category"),
    path("search/", views.product_search, name="search"),
    path("products/<int:product_id>/", views.product_detail, name="product-detail"),
    # The seller pages.
    path("manage/products/", views.my_products, name="my-products"),
    path("manage/products/create/", views.product_create, name="product-create"),
    path("manage/products/<int:product_id>/", views.product_manage, name="product-manage"),
    path("manage/products/<int:product_id>/edit/", views.product_edit, name="product-edit"),
    path("manage/products/<int:product_id>/status/", views.product_status, name="product-status"),
    path("manage/products/<int:product_id>/skus/create/", views.sku_create, name="sku-create"),
    path(
        "manage/products/<int:product_id>/photos/create/",
        views.photo_upload,
        name="photo-upload",
    ),
    path("manage/skus/<int:sku_id>/edit/", views.sku_edit, name="sku-edit"),
    path("manage/skus/<int:sku_id>/stock/", views.sku_stock, name="sku-stock"),
    path("manage/skus/<int:sku_id>/lots/", views.sku_lots, name="sku-lots"),
    path("manage/photos/<int:photo_id>/remove/", views.photo_remove, name="photo-remove"),
    path("manage/sellers/<int:seller_id>/consent/", views.seller_consent, name="seller-consent"),
    path(
        "manage/sellers/<int:seller_id>/consents/<int:consent_id>/evidence/",
        views.seller_consent_evidence,
        name="seller-consent-evidence",
    ),
]
