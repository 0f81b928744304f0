"""Small read-only tables the back-office pages show beside a record (history, coverage)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from typing import Any

from django.db.models import Model
from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString
from django.utils.text import capfirst


def link(record: Model, label: Any) -> Any:
    """``label`` linking to ``record``'s back-office page when there is one."""
    meta = record._meta
    try:
        url = reverse(f"admin:{meta.app_label}_{meta.model_name}_change", args=[record.pk])
    except NoReverseMatch:
        return label
    return format_html('<a href="{}">{}</a>', url, label)


def day(value: dt.date | None) -> str:
    return date_format(value, "SHORT_DATE_FORMAT") if value else "—"


def moment(value: dt.datetime | None) -> str:
    """An instant in the reader's time zone."""
    return date_format(timezone.localtime(value), "SHORT_DATETIME_FORMAT") if value else "—"


def table(headers: Sequence[Any], rows: Iterable[Sequence[Any]], caption: Any = "") -> SafeString:
    """An HTML table; each row is (css class or "", cell, cell, ...)."""
    head = format_html_join("", "<th>{}</th>", ((capfirst(header),) for header in headers))
    body = format_html_join(
        "",
        "<tr{}>{}</tr>",
        (
            (
                format_html(' class="{}"', css) if css else "",
                format_html_join("", "<td>{}</td>", ((cell,) for cell in cells)),
            )
            for css, *cells in rows
        ),
    )
    return format_html(
        '<table class="pacta-history">{}<thead><tr>{}</tr></thead><tbody>{}</tbody></table>',
        format_html("<caption>{}</caption>", caption) if caption else "",
        head,
        body,
    )
