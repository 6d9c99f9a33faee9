from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _
from django.utils.translation import gettext_noop


class MessagingConfig(AppConfig):
    name = "highland.messaging"
    label = "messaging"
    verbose_name = _("Text messages")

    def ready(self) -> None:
        from highland.core import audit, events
        from highland.core.menu import MenuEntry, menu_entries
        from highland.messaging import auditlabels, services
        from highland.messaging.kinds import CODE, MessageKind, register_kind
        from highland.messaging.selectors import may_see_messages

        audit.register_actions(auditlabels.ACTIONS)
        events.subscribe(services.TEXT_QUEUED, "messaging.send_text", services.send_text_message)
        register_kind(
            MessageKind(
                "messaging.register_code",
                gettext_noop(
                    "Your Highland registration code is %(code)s. It is valid for "
                    "%(minutes)s minutes. Do not tell anyone."
                ),
                family=CODE,
                confidential=True,
            )
        )
        register_kind(
            MessageKind(
                "messaging.reset_code",
                gettext_noop(
                    "Your Highland password reset code is %(code)s. It is valid for "
                    "%(minutes)s minutes. If you did not ask for it, ignore this message."
                ),
                family=CODE,
                confidential=True,
            )
        )
        menu_entries.register(
            "messaging.messages",
            MenuEntry("messaging:message-list", _("Text messages"), 880, may_see_messages),
        )
