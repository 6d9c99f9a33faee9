from django.urls import path

from highland.network import views

app_name = "network"

urlpatterns = [
    path("points/", views.point_list, name="point-list"),
    path("points/create/", views.point_create, name="point-create"),
    path("points/<int:point_id>/", views.point_detail, name="point-detail"),
    path("points/<int:point_id>/edit/", views.point_edit, name="point-edit"),
    *[
        path(
            f"points/<int:point_id>/{action}/",
            views.point_action,
            {"action": action},
            name=f"point-{action}",
        )
        for action in views.POINT_ACTIONS
    ],
    path("points/<int:point_id>/villagers/", views.point_villagers, name="point-villagers"),
    path("map/", views.county_map, name="map"),
    path("desk/", views.agent_desk, name="desk"),
]
