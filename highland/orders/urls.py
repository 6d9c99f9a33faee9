from django.urls import path

from highland.orders import views

app_name = "orders"

urlpatterns = [
    path("cart/", views.cart_page, name="cart"),
    path("cart/add/", views.cart_add, name="cart-add"),
    path("cart/update/", views.cart_update, name="cart-update"),
    path("checkout/", views.checkout_page, name="checkout"),
    path("to-pack/", views.to_pack_page, name="to-pack"),
    path("aftersales/waiting/", views.seller_aftersale_list, name="seller-aftersales"),
    path("statements/", views.my_statements, name="my-statements"),
    path("assisted/", views.assisted_order, name="assisted"),
    path("assisted/basket/", views.assisted_basket, name="assisted-basket"),
    path("payments/<int:payment_id>/", views.payment_page, name="payment"),
    path("payments/<int:payment_id>/pay-online/", views.pay_online, name="pay-online"),
    path("payments/<int:payment_id>/returned/", views.payment_returned, name="payment-returned"),
    path("payments/<int:payment_id>/collect-cash/", views.collect_cash, name="collect-cash"),
    path("settlements/", views.settlement_page, name="settlements"),
    path(
        "settlements/payouts/<int:payout_id>/returned/",
        views.payout_returned,
        name="payout-returned",
    ),
    path("statements/<int:seller_id>/", views.statement_page, name="statement"),
    path("aftersales/escalated/", views.escalated_aftersale_list, name="aftersale-escalated"),
    path("aftersales/<int:aftersale_id>/", views.aftersale_detail, name="aftersale-detail"),
    path(
        "aftersales/<int:aftersale_id>/photos/<int:photo_id>/",
        views.aftersale_photo,
        name="aftersale-photo",
    ),
    *[
        path(
            f"aftersales/<int:aftersale_id>/{action}/",
            views.aftersale_action,
            {"action": action},
            name=f"aftersale-{action}",
        )
        for action in views.AFTERSALE_ACTIONS
    ],
    path("<int:order_id>/aftersales/create/", views.aftersale_create, name="aftersale-create"),
    path("group-buys/", views.group_buy_list, name="group-buy-list"),
    path("group-buys/create/", views.group_buy_create, name="group-buy-create"),
    path("group-buys/products/", views.group_buy_products, name="group-buy-products"),
    path("group-buys/<int:group_buy_id>/", views.group_buy_detail, name="group-buy-detail"),
    path("group-buys/<int:group_buy_id>/edit/", views.group_buy_edit, name="group-buy-edit"),
    path("group-buys/<int:group_buy_id>/join/", views.group_buy_join, name="group-buy-join"),
    path(
        "group-buys/<int:group_buy_id>/purchases/",
        views.group_buy_purchases,
        name="group-buy-purchases",
    ),
    path(
        "group-buys/<int:group_buy_id>/pick-lists/",
        views.group_buy_pick_lists,
        name="group-buy-pick-lists",
    ),
    path("group-buys/<int:group_buy_id>/pickup/", views.group_buy_pickup, name="group-buy-pickup"),
    *[
        path(
            f"group-buys/<int:group_buy_id>/{action}/",
            views.group_buy_action,
            {"action": action},
            name=f"group-buy-{action}",
        )
        for action in views.GROUP_BUY_ACTIONS
    ],
    path(
        "group-buys/purchases/<int:purchase_id>/receive/",
        views.group_buy_receive,
        name="group-buy-receive",
    ),
    path(
        "group-buys/orders/<int:order_id>/hand-over/",
        views.group_buy_hand_over,
        name="group-buy-hand-over",
    ),
    path("", views.order_list, name="order-list"),
    path("<int:order_id>/", views.order_detail, name="order-detail"),
    path("<int:order_id>/receipt/", views.order_receipt, name="receipt"),
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
