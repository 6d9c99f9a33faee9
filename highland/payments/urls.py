from django.urls import path

from highland.payments import views

app_name = "payments"

urlpatterns = [
    path("cash/<int:point_id>/", views.cash_page, name="cash"),
    path(
        "refunds/<int:refund_id>/handed-back/",
        views.refund_handed_back,
        name="refund-handed-back",
    ),
    path("gateway-settlements/", views.gateway_settlements_page, name="gateway-settlements"),
]
