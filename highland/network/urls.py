from django.urls import path

from highland.network import views

app_name = "network"

urlpatterns = [
    path("points/", views.point_list, name="point-list"),
    path("points/create/", views.point_create, name="point-create"),
    path("points/<int:point_id>/", views.point_detail, name="point-detail"),
    path("points/<int:point_id>/edit/", views.point_edit, name="point-edit"),
    path("points/<int:point_id>/move/", views.point_move, name="point-move"),
    path("points/<int:point_id>/deactivate/", views.point_deactivate, name="point-deactivate"),
    path("points/<int:point_id>/reactivate/", views.point_reactivate, name="point-reactivate"),
    path("points/<int:point_id>/agents/add/", views.point_assign_agent, name="point-assign-agent"),
    path(
        "points/<int:point_id>/agents/remove/", views.point_remove_agent, name="point-remove-agent"
    ),
    path("map/", views.county_map, name="map"),
    path("desk/", views.agent_desk, name="desk"),
]
