from django.urls import path

from highland.payments import views

app_name = "payments"

urlpatterns = [
    path("cash/<int:point_id>/", views.cash_page, name="cash"),
    path("gateway-settlements/", views.gateway_settlements_page, name="gateway-settlements"),
]
