from django.urls import path

from highland.ledger import views

app_name = "ledger"

urlpatterns = [
    path("", views.overview, name="overview"),
    path("accounts/<str:code>/", views.account_statement, name="account-statement"),
]
