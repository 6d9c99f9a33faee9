from highland.coops.views import intake, members, selfservice, settlement

app_name = "coops"

urlpatterns = [
    *members.urlpatterns,
    *intake.urlpatterns,
    *settlement.urlpatterns,
    *selfservice.urlpatterns,
]
