from django.urls import path

from highland.orders import views

app_name = "orders"

urlpatterns = [
    path("cart/", views.cart_page, name="cart"),
    path("cart/add/", views.cart_add, name="cart-add"),
    path("cart/update/", views.cart_update, name="cart-update"),
    path("checkout/", views.checkout_page, name="checkout"),
    path("assisted/", views.assisted_order, name="assisted"),
    path("payments/<int:payment_id>/", views.payment_page, name="payment"),
    path("payments/<int:payment_id>/pay-online/", views.pay_online, name="pay-online"),
    path("payments/<int:payment_id>/collect-cash/", views.collect_cash, name="collect-cash"),
    path("settlements/", views.settlement_page, name="settlements"),
    path("statements/<int:seller_id>/", views.statement_page, name="statement"),
    path("", views.order_list, name="order-list"),
    path("<int:order_id>/", views.order_detail, name="order-detail"),
    *[
        path(
            f"<int:order_id>/{action}/",
            views.order_action,
            {"action": action},
            name=f"order-{action}",
        )
        for action in views.ORDER_ACTIONS
    ],
]
