"""Errors of the outbox and its templates."""

from pacta.domain.errors import Conflict


class MessageAlreadySent(Conflict):
    """A sent message is not sent again."""

    code = "message_already_sent"
