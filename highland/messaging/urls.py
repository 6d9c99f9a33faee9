from django.urls import path

from highland.messaging import views

app_name = "messaging"

urlpatterns = [
    path("", views.message_list, name="message-list"),
    path("delivery-reports/", views.delivery_reports, name="delivery-reports"),
]
