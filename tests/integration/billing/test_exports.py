"""Accounting exports: the ContaPlus journal (exact records, positions and widths, every entry
balanced), the generic, Xero and QuickBooks Online CSVs (exact headers and rows), credit notes
negative, drafts never exported; the command and the API over real HTTP, and the refusals
(unknown format, days the wrong way round, malformed days) that name the parameter."""

from __future__ import annotations

import csv
import io
from datetime import date
from decimal import Decimal

import pytest
from django.core.management import CommandError, call_command

from pacta.accounts.access import SYSTEM
from pacta.billing.exports import accounting_export, contaplus
from pacta.billing.models import ContractPeriod, Invoice
from pacta.billing.services import (
    credit_note_create,
    invoice_issue,
    payment_record,
    period_close,
    periods_ensure,
)
from pacta.domain.errors import InvalidInput
from tests.integration.billing.test_invoicing import accepted_job, world  # noqa: F401
from tests.support import make
from tests.support.make import at
from tests.support.state import table_counts

pytestmark = pytest.mark.django_db(transaction=True)

NOW = at("2026-04-02 10:00")
NAME = "Ñandú Climatización S.L."


@pytest.fixture
def books():
    """Two issued invoices (150.00 + 21 % = 181.50 each), a credit note of 50.00 net against
    the first, a payment of the first, and a draft (March) that is never exported."""
    customer = make.customer(legal_name=NAME, tax_id="ESB12345678", email="pagos@nandu.es")
    contract = make.contract(customer, scope=[(make.service(), "included")], number="C-EXP")
    periods_ensure(contract=contract, until=date(2026, 3, 31), now=NOW)
    drafts = [
        period_close(actor=None, period=p, now=NOW)
        for p in ContractPeriod.objects.filter(contract=contract).order_by("starts_on")
    ]
    january = invoice_issue(actor=None, invoice=drafts[0], now=NOW, issue_date=date(2026, 2, 1))
    february = invoice_issue(actor=None, invoice=drafts[1], now=NOW, issue_date=date(2026, 3, 1))
    note = credit_note_create(
        actor=None,
        invoice=january,
        reason="Fee too high",
        lines=[(january.lines.get().pk, Decimal("50.00"))],
        now=NOW,
    )
    note = invoice_issue(actor=None, invoice=note, now=NOW, issue_date=date(2026, 3, 5))
    payment = payment_record(
        actor=None,
        customer=customer,
        amount=Decimal("181.50"),
        currency="EUR",
        received_on=date(2026, 3, 10),
        reference="F2026-00001",
        invoices=[january],
        now=NOW,
    )
    return {
        "customer": customer,
        "account": f"430{customer.pk:05d}",
        "january": january,
        "february": february,
        "note": note,
        "payment": payment,
        "draft": drafts[2],
    }


def export(format, starts_on="2026-01-01", ends_on="2026-03-31"):
    return accounting_export(audience=SYSTEM, format=format, starts_on=starts_on, ends_on=ends_on)


def rows_of(content: bytes) -> list[list[str]]:
    return list(csv.reader(io.StringIO(content.decode("utf-8"), newline="")))


def test_the_fixture_is_what_the_tests_say(books):
    assert (books["january"].number, books["february"].number) == ("F2026-00001", "F2026-00002")
    assert books["note"].number == "R2026-00001"
    assert (books["note"].net_total, books["note"].tax_total, books["note"].gross_total) == (
        Decimal("-50.00"),
        Decimal("-10.50"),
        Decimal("-60.50"),
    )
    assert books["draft"].state == "draft"


# --- ContaPlus --------------------------------------------------------------------------------
def field(record: bytes, name: str) -> bytes:
    start, width = contaplus.POSITIONS[name]
    return record[start - 1 : start - 1 + width]


def test_a_contaplus_record_has_every_field_at_its_position_and_width(books):
    content = export("contaplus").content
    records = content.split(b"\r\n")
    assert records[-1] == b""  # every record ends with CRLF, the last one too
    records = records[:-1]
    assert {len(r) for r in records} == {297}
    first = records[0]
    account = books["account"].encode()
    expected = (
        b"     1"  # ASIEN 1-6
        + b"20260201"  # FECHA 7-14
        + account
        + b"    "  # SUBCTA 15-26
        + b"70000000    "  # CONTRA 27-38
        + b"            0.00"  # PTADEBE 39-54
        + "F2026-00001 Ñandú Climati".encode("cp1252")  # CONCEPTO 55-79
        + b"            0.00"  # PTAHABER 80-95
        + b"       1"  # FACTURA 96-103
        + b"            0.00"  # BASEIMPO 104-119
        + b" 0.00"  # IVA 120-124
        + b" 0.00"  # RECEQUIV 125-129
        + b"F202600001"  # DOCUMENTO 130-139
        + b"   "  # DEPARTA 140-142
        + b"      "  # CLAVE 143-148
        + b" "  # ESTADO 149
        + b"     0"  # NCASADO 150-155
        + b"0"  # TCASADO 156
        + b"     0"  # TRANS 157-162
        + b"            0.00" * 3  # CAMBIO, DEBEME, HABERME 163-210
        + b" "  # AUXILIAR 211
        + b"F"  # SERIE 212
        + b"    "  # SUCURSAL 213-216
        + b"     "  # CODDIVISA 217-221
        + b"            0.00"  # IMPAUXME 222-237
        + b"2"  # MONEDAUSO 238
        + b"          181.50"  # EURODEBE 239-254
        + b"            0.00"  # EUROHABER 255-270
        + b"            0.00"  # BASEEURO 271-286
        + b" "  # NOCONV 287
        + b"          "  # NUMEROINV 288-297
    )
    assert first == expected
    assert field(first, "EURODEBE") == b"          181.50"
    assert field(first, "CONCEPTO").decode("cp1252") == "F2026-00001 Ñandú Climati"


def test_each_invoice_and_receipt_is_one_balanced_entry(books):
    records = export("contaplus").content.split(b"\r\n")[:-1]
    account = books["account"]
    postings = [
        (
            int(field(r, "ASIEN")),
            field(r, "FECHA").decode(),
            field(r, "SUBCTA").decode().strip(),
            field(r, "CONTRA").decode().strip(),
            Decimal(field(r, "EURODEBE").decode()),
            Decimal(field(r, "EUROHABER").decode()),
            Decimal(field(r, "BASEEURO").decode()),
            Decimal(field(r, "IVA").decode()),
            field(r, "DOCUMENTO").decode().strip(),
        )
        for r in records
    ]
    D = Decimal
    assert postings == [
        (1, "20260201", account, "70000000", D("181.50"), D(0), D(0), D(0), "F202600001"),
        (1, "20260201", "70000000", account, D(0), D("150.00"), D(0), D(0), "F202600001"),
        (1, "20260201", "47700000", account, D(0), D("31.50"), D("150.00"), D(21), "F202600001"),
        (2, "20260301", account, "70000000", D("181.50"), D(0), D(0), D(0), "F202600002"),
        (2, "20260301", "70000000", account, D(0), D("150.00"), D(0), D(0), "F202600002"),
        (2, "20260301", "47700000", account, D(0), D("31.50"), D("150.00"), D(21), "F202600002"),
        # the credit note: the same accounts, negative
        (3, "20260305", account, "70000000", D("-60.50"), D(0), D(0), D(0), "R202600001"),
        (3, "20260305", "70000000", account, D(0), D("-50.00"), D(0), D(0), "R202600001"),
        (3, "20260305", "47700000", account, D(0), D("-10.50"), D("-50.00"), D(21), "R202600001"),
        # the receipt: bank debit, customer credit
        (4, "20260310", "57200000", account, D("181.50"), D(0), D(0), D(0), "F202600001"),
        (4, "20260310", account, "57200000", D(0), D("181.50"), D(0), D(0), "F202600001"),
    ]
    for number in {p[0] for p in postings}:
        entry = [p for p in postings if p[0] == number]
        assert sum(p[4] for p in entry) == sum(p[5] for p in entry), number


def test_contaplus_accounts_come_from_the_settings(books, settings):
    settings.PACTA_CONTAPLUS = {
        "customer_accounts": {books["customer"].pk: "43099999"},
        "vat_by_rate": {"21.00": "47700021"},
        "revenue": "705",
        "first_entry": 40,
    }
    records = export("contaplus", ends_on="2026-02-28").content.split(b"\r\n")[:-1]
    assert [
        (field(r, "ASIEN"), field(r, "SUBCTA").strip(), field(r, "CONTRA").strip()) for r in records
    ] == [
        (b"    40", b"43099999", b"70500000"),
        (b"    40", b"70500000", b"43099999"),
        (b"    40", b"47700021", b"43099999"),
    ]


def test_contaplus_refuses_an_invoice_in_another_currency(books):
    dollars = make.customer(currency="USD")
    contract = make.contract(dollars, scope=[(make.service(), "included")])
    periods_ensure(contract=contract, until=date(2026, 1, 31), now=NOW)
    draft = period_close(actor=None, period=ContractPeriod.objects.get(contract=contract), now=NOW)
    usd = invoice_issue(actor=None, invoice=draft, now=NOW, issue_date=date(2026, 3, 20))
    with pytest.raises(InvalidInput) as refused:
        export("contaplus")
    assert refused.value.code == "export_currency_refused"
    assert usd.number in refused.value.message
    assert export("csv").content.count(usd.number.encode()) == 1  # the CSVs take any currency


def test_an_invoice_of_two_rates_spreads_its_tax_over_its_lines_and_balances(world):  # noqa: F811
    """Fee 150.00 and labour 82.50 at 21 % (48.825 → 48.83 once), two filters 25.00 at 10 %
    (the invoicing tests' world)."""
    Q = Decimal
    customer, contract = world["customer"], world["contract"]
    accepted_job(contract, world["site"], world["repair"], world["filter"])
    periods_ensure(contract=contract, until=date(2026, 3, 31), now=NOW)
    period = ContractPeriod.objects.get(contract=contract, starts_on=date(2026, 3, 1))
    draft = period_close(actor=None, period=period, now=NOW)
    invoice = invoice_issue(actor=None, invoice=draft, now=NOW, issue_date=date(2026, 4, 1))
    assert invoice.gross_total == Q("308.83")

    rows = rows_of(export("csv", "2026-04-01", "2026-04-01").content)[1:]
    assert [(r[6], r[8], r[9], r[10], r[11]) for r in rows] == [
        ("1", "150.00", "21", "31.50", "181.50"),
        ("2", "82.50", "21", "17.33", "99.83"),  # takes what is left of 48.83
        ("3", "25.00", "10", "2.50", "27.50"),
    ]
    assert sum(Q(r[11]) for r in rows) == invoice.gross_total

    records = export("contaplus", "2026-04-01", "2026-04-01").content.split(b"\r\n")[:-1]
    account = f"430{customer.pk:05d}"
    assert [
        (
            field(r, "SUBCTA").decode().strip(),
            Q(field(r, "EURODEBE").decode()),
            Q(field(r, "EUROHABER").decode()),
            Q(field(r, "BASEEURO").decode()),
            Q(field(r, "IVA").decode()),
        )
        for r in records
    ] == [
        (account, Q("308.83"), Q(0), Q(0), Q(0)),
        ("70000000", Q(0), Q("25.00"), Q(0), Q(0)),
        ("70000000", Q(0), Q("232.50"), Q(0), Q(0)),
        ("47700000", Q(0), Q("2.50"), Q("25.00"), Q(10)),
        ("47700000", Q(0), Q("48.83"), Q("232.50"), Q(21)),
    ]
    assert {field(r, "ASIEN") for r in records} == {b"     1"}

    xero = rows_of(export("xero", "2026-04-01", "2026-04-01").content)[1:]
    assert [(r[16], r[17], r[18], r[21], r[22]) for r in xero] == [
        (rows[0][7], "1", "150", "21%", "31.50"),
        (rows[1][7], "1.5", "55", "21%", "17.33"),
        (rows[2][7], "2", "12.5", "10%", "2.50"),
    ]


# --- CSVs ------------------------------------------------------------------------------------
def test_the_generic_csv_has_one_row_per_line_and_credit_notes_negative(books):
    exported = export("csv")
    assert exported.content_type == "text/csv; charset=utf-8"
    assert exported.filename == "accounting-csv-2026-01-01-2026-03-31.csv"
    description = books["january"].lines.get().description
    assert rows_of(exported.content) == [
        [
            "invoice_number",
            "issue_date",
            "kind",
            "corrects",
            "customer",
            "tax_id",
            "line",
            "description",
            "base",
            "tax_rate",
            "tax",
            "total",
            "currency",
        ],
        ["F2026-00001", "2026-02-01", "invoice", "", NAME, "ESB12345678", "1", description,
         "150.00", "21", "31.50", "181.50", "EUR"],
        ["F2026-00002", "2026-03-01", "invoice", "", NAME, "ESB12345678", "1",
         books["february"].lines.get().description, "150.00", "21", "31.50", "181.50", "EUR"],
        ["R2026-00001", "2026-03-05", "credit_note", "F2026-00001", NAME, "ESB12345678", "1",
         description, "-50.00", "21", "-10.50", "-60.50", "EUR"],
    ]  # fmt: skip
    assert exported.content.startswith(b"invoice_number,")
    assert exported.content.endswith(b"EUR\r\n")


def test_the_xero_csv_has_the_template_columns(books):
    rows = rows_of(export("xero", starts_on="2026-03-01").content)
    assert rows[0] == [
        "*ContactName", "EmailAddress", "POAddressLine1", "POAddressLine2", "POAddressLine3",
        "POAddressLine4", "POCity", "PORegion", "POPostalCode", "POCountry", "*InvoiceNumber",
        "Reference", "*InvoiceDate", "*DueDate", "Total", "InventoryItemCode", "*Description",
        "*Quantity", "*UnitAmount", "Discount", "*AccountCode", "*TaxType", "TaxAmount",
        "TrackingName1", "TrackingOption1", "TrackingName2", "TrackingOption2", "Currency",
        "BrandingTheme",
    ]  # fmt: skip
    february, note = books["february"], books["note"]
    assert [len(r) for r in rows] == [29, 29, 29]
    assert rows[1] == [
        NAME, "pagos@nandu.es", "", "", "", "", "Madrid", "", "", "ES", "F2026-00002", "",
        "01/03/2026", february.due_date.strftime("%d/%m/%Y"), "181.50", "",
        february.lines.get().description, "1", "150", "", "200", "21%", "31.50",
        "", "", "", "", "EUR", "",
    ]  # fmt: skip
    assert rows[2][10:23] == [
        "R2026-00001", "F2026-00001", "05/03/2026", note.due_date.strftime("%d/%m/%Y"), "-60.50",
        "", note.lines.get().description, "1", "-50", "", "200", "21%", "-10.50",
    ]  # fmt: skip


def test_the_quickbooks_csv_has_the_sample_file_columns(books, settings):
    settings.PACTA_QBO = {"tax_codes": {"21": "IVA 21%"}, "date_format": "%Y-%m-%d"}
    rows = rows_of(export("qbo", starts_on="2026-03-01").content)
    february, note = books["february"], books["note"]
    assert rows == [
        ["*InvoiceNo", "*Customer", "*InvoiceDate", "*DueDate", "Terms", "Location", "Memo",
         "Item(Product/Service)", "ItemDescription", "ItemQuantity", "ItemRate", "*ItemAmount",
         "*ItemTaxCode", "ItemTaxAmount", "Currency", "Service Date"],
        ["F2026-00002", NAME, "2026-03-01", february.due_date.isoformat(), "", "", "",
         "Services", february.lines.get().description, "1", "150", "150.00", "IVA 21%",
         "31.50", "EUR", ""],
        ["R2026-00001", NAME, "2026-03-05", note.due_date.isoformat(), "", "", "F2026-00001",
         "Services", note.lines.get().description, "1", "-50", "-50.00", "IVA 21%", "-10.50",
         "EUR", ""],
    ]  # fmt: skip


def test_drafts_are_never_exported(books):
    draft = books["draft"]
    Invoice.objects.filter(pk=draft.pk).update(issue_date=date(2026, 3, 15))  # even if dated
    march = draft.lines.get().description  # "…del 2026-03-01 al 2026-03-31"
    for format in ("csv", "xero", "qbo"):
        assert march not in export(format).content.decode(), format
    records = export("contaplus").content.split(b"\r\n")[:-1]
    assert sorted({field(r, "FECHA") for r in records}) == [
        b"20260201",
        b"20260301",
        b"20260305",
        b"20260310",
    ]
    assert [r[0] for r in rows_of(export("csv").content)[1:]] == [
        "F2026-00001",
        "F2026-00002",
        "R2026-00001",
    ]


def test_a_range_without_invoices_is_an_empty_file_not_an_error(books):
    assert export("contaplus", "2025-01-01", "2025-12-31").content == b""
    assert rows_of(export("csv", "2025-01-01", "2025-12-31").content) == [
        rows_of(export("csv").content)[0]
    ]
    assert len(rows_of(export("xero", "2025-01-01", "2025-01-01").content)) == 1
    assert len(rows_of(export("qbo", "2025-01-01", "2025-01-01").content)) == 1


@pytest.mark.parametrize(
    ("format", "starts_on", "ends_on", "code", "field"),
    [
        ("sage", "2026-01-01", "2026-03-31", "export_format_unknown", "format"),
        ("", "2026-01-01", "2026-03-31", "export_format_unknown", "format"),
        ("csv", "2026-04-01", "2026-03-31", "export_range_refused", "from"),
        ("csv", "1 March", "2026-03-31", "export_range_refused", "from"),
        ("csv", "2026-01-01", "", "export_range_refused", "to"),
    ],
)
def test_bad_input_is_refused_naming_the_parameter(books, format, starts_on, ends_on, code, field):
    counts = table_counts()
    with pytest.raises(InvalidInput) as refused:
        export(format, starts_on, ends_on)
    assert (refused.value.code, list(refused.value.fields)) == (code, [field])
    assert table_counts() == counts


# --- the command -----------------------------------------------------------------------------
def test_the_command_writes_the_file(books, tmp_path):
    out = tmp_path / "XDiario.txt"
    call_command(
        "accounting_export", "--format", "contaplus", "--from", "2026-01-01", "--to",
        "2026-03-31", "--out", str(out), stdout=io.StringIO(),
    )  # fmt: skip
    assert out.read_bytes() == export("contaplus").content
    assert len(out.read_bytes()) == 11 * 299


def test_the_command_refuses_naming_the_option(books, tmp_path):
    out = tmp_path / "x.csv"
    with pytest.raises(CommandError, match=r"^--from: "):
        call_command(
            "accounting_export", "--format", "csv", "--from", "2026-05-01", "--to", "2026-03-31",
            "--out", str(out),
        )  # fmt: skip
    with pytest.raises(CommandError, match=r"^--format: "):
        call_command(
            "accounting_export", "--format", "dbf", "--from", "2026-01-01", "--to", "2026-03-31",
            "--out", str(out),
        )  # fmt: skip
    assert not out.exists()
    with pytest.raises(CommandError, match=r"^--out: "):
        call_command(
            "accounting_export", "--format", "csv", "--from", "2026-01-01", "--to", "2026-03-31",
            "--out", str(tmp_path / "missing" / "x.csv"),
        )  # fmt: skip


# --- the API ---------------------------------------------------------------------------------
URL = "/accounting-exports/"


def test_finance_fetches_the_file_over_http(api, books):
    finance = api(make.user("finance"))
    response = finance.get(
        URL, params={"format": "contaplus", "from": "2026-01-01", "to": "2026-03-31"}
    )
    assert response.status_code == 200, response.text
    assert response.headers["Content-Type"] == "text/plain; charset=windows-1252"
    assert response.headers["Content-Disposition"] == (
        'attachment; filename="accounting-contaplus-2026-01-01-2026-03-31.txt"'
    )
    assert response.content == export("contaplus").content
    csv_file = finance.get(URL, params={"format": "csv", "from": "2026-03-01", "to": "2026-03-31"})
    assert csv_file.status_code == 200
    assert [r[0] for r in rows_of(csv_file.content)] == [
        "invoice_number",
        "F2026-00002",
        "R2026-00001",
    ]


@pytest.mark.parametrize("role", ["manager", "dispatcher", "technician"])
def test_only_finance_may_export(api, books, role):
    response = api(make.user(role)).get(
        URL, params={"format": "csv", "from": "2026-01-01", "to": "2026-03-31"}
    )
    assert (response.status_code, response.json()["code"]) == (403, "permission_denied")


def test_a_customer_may_not_export(api, books):
    reader = make.user("customer", customer=books["customer"])
    response = api(reader).get(
        URL, params={"format": "csv", "from": "2026-01-01", "to": "2026-03-31"}
    )
    assert response.status_code == 403
    assert api().get(URL, params={"format": "csv"}).status_code == 401


Q1 = {"from": "2026-01-01", "to": "2026-03-31"}


@pytest.mark.parametrize(
    ("params", "code", "field"),
    [
        ({"format": "pdf", **Q1}, "export_format_unknown", "format"),
        (Q1, "export_format_unknown", "format"),
        ({**Q1, "format": "csv", "from": "2026-04-01"}, "export_range_refused", "from"),
        ({**Q1, "format": "csv", "to": "31/03/2026"}, "export_range_refused", "to"),
    ],
)
def test_the_api_refuses_bad_parameters_naming_them(api, books, params, code, field):
    response = api(make.user("finance")).get(URL, params=params)
    assert response.status_code == 400, response.text
    assert (response.json()["code"], list(response.json()["fields"])) == (code, [field])


def test_an_empty_range_over_http_is_the_header_only(api, books):
    response = api(make.user("finance")).get(
        URL, params={"format": "xero", "from": "2020-01-01", "to": "2020-12-31"}
    )
    assert response.status_code == 200
    assert response.content.count(b"\r\n") == 1
    assert response.content.startswith(b"*ContactName,")


# --- the finance page ------------------------------------------------------------------------
def test_the_finance_page_offers_the_exports_and_downloads_them(client, books):
    client.force_login(make.user("finance"))
    page = client.get("/finance/").content.decode()
    assert 'id="accounting-export"' in page
    assert 'action="/finance/exports/"' in page
    assert '<option value="contaplus">' in page
    response = client.get("/finance/exports/", Q1 | {"format": "contaplus"})
    assert response.status_code == 200
    assert response["Content-Type"] == "text/plain; charset=windows-1252"
    assert response["Content-Disposition"] == (
        'attachment; filename="accounting-contaplus-2026-01-01-2026-03-31.txt"'
    )
    assert response.content == export("contaplus").content


def test_a_refused_export_comes_back_on_the_page_naming_the_problem(client, books):
    client.force_login(make.user("finance"))
    page = client.get(
        "/finance/exports/",
        {"format": "csv", "from": "2026-04-01", "to": "2026-03-31"},
        follow=True,
    )
    assert page.redirect_chain == [("/finance/", 302)]
    assert "The first day (2026-04-01) is after the last (2026-03-31)." in page.content.decode()


def test_the_page_offers_no_export_to_a_manager(client, books):
    client.force_login(make.user("manager"))
    assert 'id="accounting-export"' not in client.get("/finance/").content.decode()
    assert client.get("/finance/exports/", Q1 | {"format": "csv"}).status_code == 403
