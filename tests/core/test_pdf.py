"""Every PDF shares one layout, and its letterhead is a setting: a municipality (or a
merged one) changes the sender in the configuration, not in each document."""

import gc
import io
from types import SimpleNamespace

import pytest
from pypdf import PdfReader

from fund.applications.receipt import receipt_pdf
from fund.core import pdf
from fund.core.pdf import pdf_response
from fund.review.innstilling import to_pdf
from tests.applications.test_receipt import SNAPSHOT
from tests.helpers import real_pdfs
from tests.review.test_innstilling import GENERATED, PROPOSALS, result

LETTERHEAD = {"LETTERHEAD_NAME": "Testby kommune", "LETTERHEAD_UNIT": "Næringsavdelingen",
              "LETTERHEAD_ADDRESS": "Postboks 7, 9999 Testby",
              "LETTERHEAD_ORG_NUMBER": "999 888 777"}


def first_page(data: bytes) -> str:
    return PdfReader(io.BytesIO(data)).pages[0].extract_text().replace("\xa0", " ")


def test_the_letterhead_setting_heads_the_receipt_and_the_innstilling(app, monkeypatch):
    for key, value in LETTERHEAD.items():
        monkeypatch.setitem(app.config, key, value)
    with app.test_request_context():
        receipt = receipt_pdf(SimpleNamespace(), SimpleNamespace(number=1, snapshot=SNAPSHOT))
        innstilling = to_pdf(result(), PROPOSALS, generated_at=GENERATED)
    for data in (receipt, innstilling):
        page = first_page(data)
        assert "Testby kommune" in page and "Næringsavdelingen" in page
        assert "Postboks 7, 9999 Testby" in page and "Org.nr. 999 888 777" in page
        assert PdfReader(io.BytesIO(data)).metadata.author == "Testby kommune"


def test_by_default_the_letterhead_is_lillestrom_kommune_alone(app):
    with app.test_request_context():
        page = first_page(to_pdf(result(), PROPOSALS, generated_at=GENERATED))
    assert page.startswith("Lillestrøm kommune")
    assert "Org.nr." not in page and "Postboks" not in page


def test_a_pdf_answer_names_its_file(app):
    with app.test_request_context():
        response = pdf_response(b"%PDF-1.7", "kvittering-NF-2027-0001-1.pdf")
    assert response.mimetype == "application/pdf"
    assert response.headers["Content-Disposition"] == \
        'inline; filename="kvittering-NF-2027-0001-1.pdf"'


def test_a_pdf_leaves_no_progress_lines_in_the_log(app, caplog):
    """WeasyPrint logs each step of every page at INFO; the app's log keeps its warnings
    only."""
    import logging
    import uuid

    from fund.core.pdf import pdf_of
    caplog.set_level(logging.INFO)
    with app.test_request_context():
        # HTML never rendered before: the suite keeps the PDF of HTML it has seen
        data = pdf_of(f"<!doctype html><html lang='nb'><title>x</title><p>{uuid.uuid4()}</p>")
    assert data.startswith(b"%PDF")
    assert not [r for r in caplog.records if r.name.startswith("weasyprint.progress")]


# --- The collector's pass over a document's garbage ---


def page(text: str) -> str:
    return f"<!doctype html><html lang='nb'><title>x</title><p>{text}</p>"


def test_outside_a_request_the_collector_clears_a_document_at_once(app, monkeypatch):
    """An export thread or the command line has no answer to wait for."""
    cleared = real_pdfs(monkeypatch)
    with app.app_context():
        assert pdf.pdf_of(page("Eksport")).startswith(b"%PDF")
        assert cleared == [True] and gc.isenabled()


def test_a_request_that_fails_after_its_document_turns_the_collector_back_on(
        app, monkeypatch):
    cleared = real_pdfs(monkeypatch)
    with pytest.raises(LookupError), app.test_request_context():
        pdf.pdf_of(page("Halvveis"))
        assert cleared == [] and not gc.isenabled()
        raise LookupError("the view failed after the document")
    assert cleared == [True] and gc.isenabled()


def test_each_document_of_a_request_clears_the_one_before(app, monkeypatch):
    """A batch of letters in one request holds one letter's garbage at a time."""
    cleared = real_pdfs(monkeypatch)
    passes, collect = [], gc.collect
    monkeypatch.setattr(gc, "collect", lambda *args: passes.append(1) or collect(*args))
    with app.test_request_context():
        pdf.pdf_of(page("Brev 1"))
        assert passes == []
        pdf.pdf_of(page("Brev 2"))
        pdf.pdf_of(page("Brev 3"))
        assert len(passes) == 2 and not gc.isenabled()
    assert len(passes) == 3 and cleared == [True] and gc.isenabled()
