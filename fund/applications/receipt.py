"""The kvittering (receipt): the application as submitted, as a PDF for the applicant; the
same pages titled as the application for the municipality's staff; the helpers a page needs
to show a submission snapshot (``templates/applications/_submitted.html``)."""

from datetime import date, datetime
from decimal import Decimal

from flask import current_app
from stdnum.no import kontonr, orgnr

from fund.applications.exemptions import requested_fields
from fund.applications.labels import (
    CLIMATE_CATEGORY_LABELS,
    COST_CATEGORY_LABELS,
    FINANCING_KIND_LABELS,
    RULE_CONSEQUENCES,
    SDG_LABELS,
    TEXT_FIELD_LABELS,
)
from fund.core import formatting
from fund.core.pdf import render_pdf


def receipt_pdf(application, submission) -> bytes:
    """Render the receipt for one submission (A4 PDF/A-2a, for the applicant's records).

    Everything shown is read from ``submission.snapshot``, never from the live
    application, so a receipt printed again later shows what was received; only «Vår
    referanse» (the archive's saksnummer, given later) is the application's current one.
    """
    return render_pdf("pdf/receipt.html", s=submission.snapshot,
                      archive_reference=getattr(application, "archive_reference", None),
                      expected_decision_on=expected_decision_on(application, submission),
                      **snapshot_helpers())


def application_pdf(application, submission) -> bytes:
    """The submission as a PDF for staff: the receipt's pages, titled as the application
    («Søknad NF-2027-0003») instead of the applicant's receipt."""
    return render_pdf("pdf/application.html", s=submission.snapshot,
                      archive_reference=getattr(application, "archive_reference", None),
                      expected_decision_on=None, **snapshot_helpers())


def expected_decision_on(application, submission) -> date | None:
    """When the applicant can expect a decision: as the call said at submission, or (for
    a submission from before the setting) as it says now."""
    stored = submission.snapshot.get("call", {}).get("expected_decision_on")
    if stored:
        return date.fromisoformat(stored)
    call = getattr(application, "call", None)
    return getattr(call, "expected_decision_on", None)


def snapshot_helpers() -> dict:
    """What ``applications/_submitted.html`` needs to show a snapshot: formatting of its
    plain JSON values and the labels of its codes."""
    return {
        "iso_datetime": lambda value: formatting.format_datetime(_parse_datetime(value)),
        "iso_date": lambda value: formatting.format_date(date.fromisoformat(value))
        if value else "",
        "number": _number,
        "percent": lambda value: formatting.format_percent(Decimal(value))
        if value is not None else "",
        "file_size": _file_size,
        "orgnr": lambda value: orgnr.format(value) if value else "",
        "bank_account": lambda value: kontonr.format(value) if value else "",
        "COST_CATEGORY_LABELS": COST_CATEGORY_LABELS,
        "FINANCING_KIND_LABELS": FINANCING_KIND_LABELS,
        "CLIMATE_CATEGORY_LABELS": CLIMATE_CATEGORY_LABELS,
        "SDG_LABELS": SDG_LABELS,
        "RULE_CONSEQUENCES": RULE_CONSEQUENCES,
        "FIELD_LABELS": TEXT_FIELD_LABELS,
        "requested_fields": requested_fields,
        "municipality": current_app.config["MUNICIPALITY_NAME"],
    }


def _parse_datetime(value: str | None) -> datetime | None:
    return datetime.fromisoformat(value) if value else None


def _number(value) -> str:
    return formatting.format_number(Decimal(str(value))) if value not in (None, "") else ""


def _file_size(size: int) -> str:
    if size < 1024:
        return f"{size}\u00a0B"
    if size < 1024 * 1024:
        return _number(round(Decimal(size) / 1024)) + "\u00a0kB"
    return _number(round(Decimal(size) / (1024 * 1024), 1)) + "\u00a0MB"
