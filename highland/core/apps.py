from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CoreConfig(AppConfig):
    name = "highland.core"
    label = "core"
    verbose_name = _("Counties, people and audit")

    def ready(self) -> None:
        from highland.core import checks  # noqa: F401 - registers the deploy checks
