"""URLs of products, orders and refunds, and the order and suggestion fragments of the contact and
deal pages."""

from django.urls import URLPattern, path

from leadline.sales import order_views, product_views

urlpatterns: list[URLPattern] = [
    path("orders/", order_views.order_list, name="order_list"),
    path("orders/export/", order_views.order_export, name="order_export"),
    path("orders/new/", order_views.order_create, name="order_create"),
    path("orders/<uuid:public_id>/", order_views.order_detail, name="order_detail"),
    path("orders/<uuid:public_id>/refund/", order_views.order_refund, name="order_refund"),
    path("contacts/<uuid:public_id>/orders/", order_views.contact_orders, name="contact_orders"),
    path("deals/<uuid:public_id>/suggestions/", order_views.deal_suggestions, name="deal_suggestions"),
    path("products/", product_views.product_list, name="product_list"),
    path("products/new/", product_views.product_create, name="product_create"),
    path("products/<uuid:public_id>/", product_views.product_edit, name="product_edit"),
    path("products/<uuid:public_id>/toggle/", product_views.product_toggle, name="product_toggle"),
]
