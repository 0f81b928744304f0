"""Marking text for translation without importing Django.

``gettext_noop`` is one of the keywords Django's ``makemessages`` hands to xgettext, so a
string wrapped in it lands in the catalogues; the adapter that shows it calls the real gettext.
"""


def gettext_noop(message: str) -> str:
    return message
