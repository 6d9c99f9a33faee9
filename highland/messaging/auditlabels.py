"""What each audit action of the text-message channel means, for people; registered in
`MessagingConfig.ready()`."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

ACTIONS = {
    "messaging.text.queued": _("Text message queued"),
    "messaging.text.rate_limited": _("Text message refused: too many to this number"),
    "messaging.text.sent": _("Text message sent"),
    "messaging.text.failed": _("Text message failed"),
    "messaging.text.delivered": _("Text message delivered"),
}
