"""ContaPlus journal: the XDiario fixed-width text file that ContaPlus imports ("Importar
asientos"), one record per posting (apunte), the postings of an entry (asiento) sharing its
number.

Each record is 297 characters, then CRLF, in Windows-1252. Text fields are left-aligned and
space-filled (cut to their width); numbers are right-aligned and space-filled; amounts have two
decimals and a point (``  -1210.00``); dates are YYYYMMDD. Amounts go in the euro fields
(EURODEBE, EUROHABER, BASEEURO) with MONEDAUSO ``2`` (euros); the old peseta fields are zero.
The layout (positions from 1) is :data:`LAYOUT`; docs/architecture.md says where it comes from.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from decimal import Decimal

from pacta.domain.accounting import JournalEntry, Posting

#: (field, width, kind): "C" text, "N" whole number, "M" amount with two decimals.
LAYOUT: tuple[tuple[str, int, str], ...] = (
    ("ASIEN", 6, "N"),  # 1
    ("FECHA", 8, "C"),  # 7
    ("SUBCTA", 12, "C"),  # 15
    ("CONTRA", 12, "C"),  # 27
    ("PTADEBE", 16, "M"),  # 39
    ("CONCEPTO", 25, "C"),  # 55
    ("PTAHABER", 16, "M"),  # 80
    ("FACTURA", 8, "N"),  # 96
    ("BASEIMPO", 16, "M"),  # 104
    ("IVA", 5, "M"),  # 120
    ("RECEQUIV", 5, "M"),  # 125
    ("DOCUMENTO", 10, "C"),  # 130
    ("DEPARTA", 3, "C"),  # 140
    ("CLAVE", 6, "C"),  # 143
    ("ESTADO", 1, "C"),  # 149
    ("NCASADO", 6, "N"),  # 150
    ("TCASADO", 1, "N"),  # 156
    ("TRANS", 6, "N"),  # 157
    ("CAMBIO", 16, "M"),  # 163
    ("DEBEME", 16, "M"),  # 179
    ("HABERME", 16, "M"),  # 195
    ("AUXILIAR", 1, "C"),  # 211
    ("SERIE", 1, "C"),  # 212
    ("SUCURSAL", 4, "C"),  # 213
    ("CODDIVISA", 5, "C"),  # 217
    ("IMPAUXME", 16, "M"),  # 222
    ("MONEDAUSO", 1, "C"),  # 238
    ("EURODEBE", 16, "M"),  # 239
    ("EUROHABER", 16, "M"),  # 255
    ("BASEEURO", 16, "M"),  # 271
    ("NOCONV", 1, "C"),  # 287
    ("NUMEROINV", 10, "C"),  # 288
)
RECORD_WIDTH = sum(width for _, width, _ in LAYOUT)  # 297

#: Where each field starts (from 1), for readers and tests.
POSITIONS: dict[str, tuple[int, int]] = {}
_start = 1
for _name, _width, _ in LAYOUT:
    POSITIONS[_name] = (_start, _width)
    _start += _width

ENCODING = "cp1252"
EOL = "\r\n"
CONTENT_TYPE = "text/plain; charset=windows-1252"
EXTENSION = "txt"
EURO = "2"  # MONEDAUSO: the amounts are in euros


def _field(value: object, width: int, kind: str) -> str:
    if kind == "C":
        text = " ".join(str(value or "").split())  # no line breaks or tabs inside a record
        return text[:width].ljust(width)
    text = f"{Decimal(str(value or 0)):.2f}" if kind == "M" else str(int(value or 0))
    if len(text) > width:
        raise ValueError(f"{text} does not fit {width} characters")
    return text.rjust(width)


def record(values: Mapping[str, object]) -> str:
    """One XDiario record (without its line end) from field values; a field not given is
    blank (text) or zero (numbers)."""
    return "".join(_field(values.get(name), width, kind) for name, width, kind in LAYOUT)


def _document(entry: JournalEntry) -> str:
    return entry.document.replace("-", "")


def posting_record(number: int, entry: JournalEntry, posting: Posting) -> str:
    return record(
        {
            "ASIEN": number,
            "FECHA": entry.on.strftime("%Y%m%d"),
            "SUBCTA": posting.account,
            "CONTRA": posting.contra,
            "CONCEPTO": posting.concept,
            "FACTURA": entry.invoice_sequence,
            "BASEIMPO": posting.vat_base.amount if posting.vat_base else 0,
            "IVA": posting.vat_percent or 0,
            "DOCUMENTO": _document(entry),
            "SERIE": entry.series if len(entry.series) == 1 else "",
            "MONEDAUSO": EURO,
            "EURODEBE": posting.debit.amount,
            "EUROHABER": posting.credit.amount,
            "BASEEURO": posting.vat_base.amount if posting.vat_base else 0,
        }
    )


def write(entries: Sequence[JournalEntry], first: int = 1) -> bytes:
    """The journal file: entries numbered from ``first`` in the order given."""
    lines = [
        posting_record(first + index, entry, posting)
        for index, entry in enumerate(entries)
        for posting in entry.postings
    ]
    return "".join(line + EOL for line in lines).encode(ENCODING, errors="replace")
