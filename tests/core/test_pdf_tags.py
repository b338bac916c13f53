"""The PDFs are tagged (PDF/A-2a, LAW.md §4 L 25): a screen reader finds the document's
title and language, and reads the headings in the order the page shows them and the tables
as tables. Checked in the structure tree itself (StructTreeRoot → /K …), for the receipt,
the innstilling, a decision letter and the yearly coverage report, in both languages where
the document follows its reader; the letters stay Norwegian (``RECORD_LOCALE``)."""

import io
import re
from contextlib import contextmanager
from datetime import date
from types import SimpleNamespace

import pikepdf
import pytest
from flask_babel import force_locale, gettext, refresh
from pypdf import PdfReader

from fund.applications.receipt import receipt_pdf
from fund.core.pdf import read_document
from fund.decisions.operations import stage_letters
from fund.extensions import db as _db
from fund.reports.coverage import CoverageFilter, coverage
from fund.reports.exports import coverage_pdf
from fund.reports.selection import ReportPart
from fund.review.innstilling import to_pdf
from tests.applications.test_receipt import SNAPSHOT
from tests.decisions.conftest import decided, sent  # noqa: F401 (fixtures)
from tests.helpers import login, post_form
from tests.pdf_tags import headings, structure, table_problems
from tests.reports.conftest import world  # noqa: F401 (a fixture: the reports' world)
from tests.review.test_innstilling import GENERATED, PROPOSALS, result

PDFAID = "{http://www.aiim.org/pdfa/ns/id/}"
DC_TITLE = "{http://purl.org/dc/elements/1.1/}title"


@contextmanager
def reading(app, language: str):
    """A request from a reader of ``language``. (Flask-Babel keeps the language it found
    on the app context's ``g``, which a test's fixtures share; a server's request has its
    own.)"""
    with app.test_request_context(headers={"Accept-Language": language}):
        refresh()
        yield


def visible_text(data: bytes) -> str:
    """The pages' text in the order they show it."""
    return " ".join(" ".join(page.extract_text() or "" for page in
                             PdfReader(io.BytesIO(data)).pages).split())


def assert_tagged(data: bytes, lang: str, title: str) -> list[tuple[str, str]]:
    """PDF/A-2a with a title, a language, headings in reading order and tables tagged as
    tables; returns the headings."""
    pdf = pikepdf.open(io.BytesIO(data))
    with pdf.open_metadata() as xmp:
        assert (xmp.get(PDFAID + "part"), xmp.get(PDFAID + "conformance")) == ("2", "A")
        assert xmp.get(DC_TITLE) == title
    root = pdf.Root
    assert bool(root.MarkInfo.Marked) is True
    assert "/StructTreeRoot" in root
    assert str(root.Lang) == lang
    assert str(pdf.docinfo.Title) == title
    assert bool(root.ViewerPreferences.DisplayDocTitle) is True  # the title, not the file

    tree = structure(data)
    found = headings(tree)
    assert found and found[0][0] == "H1", found[:3]
    levels = [int(tag[1]) for tag, _text in found]
    assert all(b <= a + 1 for a, b in zip(levels, levels[1:], strict=False)), found  # no gaps
    shown, at = visible_text(data), 0
    for tag, text in found:  # each heading after the one before it, on the pages too
        assert text, (tag, "a heading without text")
        position = shown.find(text, at)
        assert position >= 0, f"{tag} {text!r} is not where the text shows it (after {at})"
        at = position + len(text)
    assert table_problems(tree) == []
    return found


def tables(data: bytes) -> list[list[str]]:
    """The header cells (TH) of each table, in reading order."""
    return [[cell.text for cell in table.walk() if cell.tag == "TH"]
            for table in structure(data).walk() if table.tag == "Table"]


@pytest.mark.parametrize("language, title, first_heading, budget_headers", [
    ("nb", "Kvittering for søknad KF-2027-0007", "Vi har mottatt søknaden din",
     ["Kategori", "Beskrivelse", "Beløp"]),
    ("en", "Receipt for application KF-2027-0007", "We have received your application",
     ["Category", "Description", "Amount"])])
def test_the_receipt_is_tagged_in_its_readers_language(app, language, title, first_heading,
                                                       budget_headers):
    with reading(app, language):
        data = receipt_pdf(SimpleNamespace(), SimpleNamespace(number=1, snapshot=SNAPSHOT))
    found = assert_tagged(data, language, title)
    assert found[0] == ("H1", first_heading)
    assert [tag for tag, _text in found].count("H2") >= 8
    assert budget_headers in tables(data)


@pytest.mark.parametrize("language, expected", [
    ("nb", [("H1", "Innstilling: Klima- og næringsfond 2027"), ("H2", "Rangering"),
            # one paragraph and one table row per application, not a section each
            ("H2", "Begrunnelse for forslagene"), ("H2", "Poeng per kriterium"),
            ("H2", "Forslag til vedtak")]),
    ("en", [("H1", "Recommendation: Klima- og næringsfond 2027")])])
def test_the_innstilling_is_tagged_with_its_headings_in_order(app, language, expected):
    with reading(app, language):
        data = to_pdf(result(), PROPOSALS, generated_at=GENERATED)
    found = assert_tagged(data, language, expected[0][1])
    assert found[:len(expected)] == expected
    ranking = tables(data)[0]
    assert ranking[:3] == (["Nr.", "Søknadsnummer", "Søker og prosjekt"] if language == "nb"
                           else ranking[:3])  # (the English words are the catalogue's)
    assert len(ranking) >= 6
    criteria = tables(data)[1]  # the criterion means: a header and one row per application
    assert criteria[:2] == (["Nr.", "Søknadsnummer"] if language == "nb" else criteria[:2])


def test_the_decision_letter_is_tagged_and_norwegian(sent):  # noqa: F811
    letter = sent.letter("A")
    data = read_document(letter.stored_name)
    case = letter.application.case_number
    found = assert_tagged(data, "nb", f"Vedtak i sak {case}")
    assert len(found) >= 3
    assert any(table for table in tables(data))  # the grant's cost and financing plans


def test_a_letter_made_by_a_manager_reading_english_is_still_norwegian(app, decided):  # noqa: F811
    """The vedtaksbrev is the record of the decision and the legally binding text: it is
    written in Norwegian whoever makes it (and mail to an English reader says so)."""
    decided.lene.locale = "en"
    decided.applicants["A"].locale = "en"  # B's applicant reads Norwegian
    with reading(app, "en"):
        stage_letters(decided.call, decided.lene)
    _db.session.commit()
    for key in ("A", "B"):
        letter = decided.letter(key)
        data = read_document(letter.stored_name)
        assert_tagged(data, "nb", f"Vedtak i sak {letter.application.case_number}")
        text = visible_text(data)
        assert "Vedtak" in text and "Decision" not in text
    # The notice is in the applicant's language; in English it says why the letter is not.
    with force_locale("en"):
        note = gettext("Brevet er på norsk, som er det juridisk bindende språket i saken.")
        subject = gettext("Vedtak i sak %(case)s", case=decided.letter("A").application.case_number)
    english, norwegian = decided.letter("A").mail, decided.letter("B").mail
    assert english.subject == subject and note in english.body_text
    assert norwegian.subject.startswith("Vedtak i sak") and note not in norwegian.body_text
    assert "norsk, som er det juridisk" not in norwegian.body_text


def coverage_report(world):  # noqa: F811
    report = coverage(world.plan, CoverageFilter(years=(2027,)))
    return coverage_pdf([ReportPart(report)], date(2027, 12, 31))


@pytest.mark.parametrize("language", ["nb", "en"])
def test_the_coverage_report_is_tagged(app, world, language):  # noqa: F811
    with reading(app, language):
        data = coverage_report(world)
    title = PdfReader(io.BytesIO(data)).metadata.title
    assert title and ("Dekning" in title) == (language == "nb")
    found = assert_tagged(data, language, title)
    assert [tag for tag, _text in found].count("H2") >= 3
    assert len(tables(data)) >= 5 and all(tables(data))
    # (The plan's own names stay Norwegian in the English report; WeasyPrint writes the
    # document's language only, no /Lang on a structure element, so a screen reader reads
    # them as English. Left as it is.)


def test_a_pdf_on_request_follows_the_readers_stored_language(client, world):  # noqa: F811
    """The caseworker chose English once; the next login gives English pages and
    English PDFs."""
    world.sara.locale = "en"
    _db.session.commit()
    login(client, world.sara)
    response = client.get(f"/rapporter/dekning/eksport.pdf?plan={world.plan.id}&aar=2027")
    assert response.status_code == 200
    assert str(pikepdf.open(io.BytesIO(response.data)).Root.Lang) == "en"
    post_form(client, "/sprak", {"lang": "nb", "next": "/"}, form_page="/")
    response = client.get(f"/rapporter/dekning/eksport.pdf?plan={world.plan.id}&aar=2027")
    assert str(pikepdf.open(io.BytesIO(response.data)).Root.Lang) == "nb"
    assert re.search(r"Dekning", PdfReader(io.BytesIO(response.data)).metadata.title)
