"""Reading an e-mail as received (RFC 5322 bytes) into what intake needs: who sent it, what it
answers, its subject, its text (the plain part, or the HTML part made text) and its attached
files. Lenient with what mail servers let through: a header that does not decode is read as
well as it can be, a message without a Message-ID gets one from its bytes."""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from email import policy
from email.headerregistry import Address
from email.message import EmailMessage
from email.parser import BytesParser
from email.utils import getaddresses
from html.parser import HTMLParser


@dataclass(frozen=True)
class Attachment:
    name: str
    content_type: str
    data: bytes


@dataclass(frozen=True)
class ParsedEmail:
    message_id: str
    from_email: str  # lower-cased; empty when the message names no usable sender
    from_name: str
    subject: str
    in_reply_to: tuple[str, ...]  # In-Reply-To, then References, newest first
    text: str
    attachments: tuple[Attachment, ...]
    language: str  # Content-Language, when the sender's client gave one


class _TextOfHtml(HTMLParser):
    """The text a reader sees in an HTML body: no tags, no scripts or styles, a line per
    block."""

    BLOCKS = frozenset({"p", "div", "br", "li", "tr", "h1", "h2", "h3", "h4", "table"})

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self.skipping = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in ("script", "style"):
            self.skipping += 1
        elif tag in self.BLOCKS:
            self.parts.append("\n")

    def handle_endtag(self, tag: str) -> None:
        if tag in ("script", "style") and self.skipping:
            self.skipping -= 1
        elif tag in self.BLOCKS:
            self.parts.append("\n")

    def handle_data(self, data: str) -> None:
        if not self.skipping:
            self.parts.append(data)

    def text(self) -> str:
        lines = (" ".join(line.split()) for line in "".join(self.parts).splitlines())
        return "\n".join(line for line in lines if line)


def html_text(html: str) -> str:
    reader = _TextOfHtml()
    reader.feed(html)
    reader.close()
    return reader.text()


def _header(message: EmailMessage, name: str) -> str:
    try:
        value = message.get(name)
    except (ValueError, IndexError, TypeError):  # a header the parser cannot make sense of
        raw = message.get_all(name, failobj=[None])
        value = raw[0] if raw else None
    return " ".join(str(value).split()) if value is not None else ""


def _sender(message: EmailMessage) -> tuple[str, str]:
    """(address, name) of the first From (else Sender, else Reply-To) with an address."""
    for name in ("from", "sender", "reply-to"):
        text = _header(message, name)
        for display, address in getaddresses([text]):
            address = address.strip().lower()
            if "@" in address and " " not in address:
                try:
                    Address(addr_spec=address)
                except (ValueError, IndexError, TypeError):
                    continue
                return address, display.strip()
    return "", ""


_MESSAGE_IDS = re.compile(r"<[^<>\s]+>")


def _decoded(part: EmailMessage) -> str:
    """A text part's content; with an unknown charset, its bytes read as UTF-8 (else Latin-1)."""
    try:
        return str(part.get_content())
    except (LookupError, UnicodeError):
        data = part.get_payload(decode=True)
        data = data if isinstance(data, bytes) else b""
        try:
            return data.decode("utf-8")
        except UnicodeDecodeError:
            return data.decode("latin-1")


def _text(message: EmailMessage) -> str:
    plain = message.get_body(preferencelist=("plain",))
    if plain is not None:
        return _decoded(plain).replace("\r\n", "\n").strip()  # type: ignore[arg-type]
    html = message.get_body(preferencelist=("html",))
    if html is not None:
        return html_text(_decoded(html))  # type: ignore[arg-type]
    return ""


def _attachments(message: EmailMessage) -> tuple[Attachment, ...]:
    files = []
    for part in message.iter_attachments():
        data = part.get_payload(decode=True)
        if not isinstance(data, bytes):
            continue
        name = part.get_filename() or f"attachment-{len(files) + 1}"
        files.append(Attachment(name=name, content_type=part.get_content_type(), data=data))
    return tuple(files)


def email_parse(raw: bytes) -> ParsedEmail:
    """Read the bytes of one e-mail."""
    message = BytesParser(policy=policy.default).parsebytes(raw)
    assert isinstance(message, EmailMessage)
    message_id = next(iter(_MESSAGE_IDS.findall(_header(message, "message-id"))), "")
    if not message_id:
        message_id = f"<{hashlib.sha256(raw).hexdigest()}@inbound.pacta>"
    answers = _MESSAGE_IDS.findall(_header(message, "in-reply-to"))
    answers += reversed(_MESSAGE_IDS.findall(_header(message, "references")))
    address, name = _sender(message)
    return ParsedEmail(
        message_id=message_id,
        from_email=address,
        from_name=name,
        subject=_header(message, "subject")[:300],
        in_reply_to=tuple(dict.fromkeys(answers)),
        text=_text(message),
        attachments=_attachments(message),
        language=_header(message, "content-language").split(",")[0].strip()[:2].lower(),
    )
