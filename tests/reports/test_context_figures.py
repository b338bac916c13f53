"""A fondsforvalter enters the figures the plan's effect goals are measured by outside the
system (LAW.md §5.2): Lillestrøm's place in NHO Kommune-NM, and SSB's employment in
knowledge-intensive industries and share with higher education for kommune 3205. One per
year and kind, with its source; each change is audited; junk and figures out of range
are refused in Norwegian and nothing is kept; nobody else may. The yearly evaluation
shows them under «Utenfor systemet (registrert for hånd)» on the coverage page and in its
CSV, XLSX and PDF, with the same numbers."""

import csv
import io
from decimal import Decimal

import pytest
from openpyxl import load_workbook
from sqlalchemy import select

from fund.audit.labels import object_label
from fund.audit.models import AuditEvent
from fund.core.roles import Role
from fund.extensions import db as _db
from fund.reports.models import ContextFigure, ContextKind
from fund.reports.operations import ContextFigureError, set_context_figure
from tests.decisions.conftest import pdf_text
from tests.helpers import csrf_token, html_of, login, make_user

URL = "/rapporter/kontekst"
RANK, JOBS, EDUCATION = (ContextKind.NHO_KOMMUNE_NM_RANK, ContextKind.SSB_KNOWLEDGE_JOBS,
                         ContextKind.SSB_HIGHER_EDUCATION_PERCENT)


def stored() -> dict[tuple[int, str], tuple]:
    _db.session.flush()
    _db.session.expire_all()
    return {(f.year, f.kind.value): (f.value, f.source, f.note)
            for f in _db.session.scalars(select(ContextFigure))}


def events() -> list[AuditEvent]:
    return list(_db.session.scalars(select(AuditEvent).where(
        AuditEvent.action.like("context_figure.%")).order_by(AuditEvent.id)))


@pytest.fixture
def manager(client, db):
    user = make_user("mgr@example.no", Role.MANAGER, name="Mona Forvalter")
    login(client, user)
    return user


def post(client, path=URL, token=True, **data):
    if token:
        data = {"csrf_token": csrf_token(client, URL), **data}
    return client.post(path, data=data)


def figure(year="2027", kind=RANK.value, value="45", source="NHO Kommune-NM 2027", note=""):
    return dict(year=year, kind=kind, value=value, source=source, note=note)


def test_a_manager_enters_changes_and_deletes_figures_and_each_change_is_audited(
        client, manager):
    page = html_of(client.get(URL))
    assert "Tall utenfor systemet" in page and "Ingen tall er registrert ennå." in page
    assert 'name="csrf_token"' in page
    for label in ("Plassering i NHO Kommune-NM",
                  "Sysselsatte i kunnskapsintensive næringer (SSB, 3205)",
                  "Andel innbyggere med høyere utdanning (SSB, 3205)"):
        assert f">{label}</option>" in page

    response = post(client, **figure(value=" 45 "))
    assert response.status_code == 302 and response.headers["Location"].endswith(URL)
    post(client, **figure(kind=JOBS.value, value="12 300", source="SSB tabell 12345"))
    post(client, **figure(kind=EDUCATION.value, value="41,2 %", source="SSB tabell 09429",
                          note="Foreløpige tall."))
    post(client, **figure(year="2026", value="52", source="NHO Kommune-NM 2026"))
    assert stored() == {
        (2027, "nho_kommune_nm"): (Decimal("45"), "NHO Kommune-NM 2027", ""),
        (2027, "ssb_knowledge_jobs"): (Decimal("12300"), "SSB tabell 12345", ""),
        (2027, "ssb_higher_education"): (Decimal("41.2"), "SSB tabell 09429", "Foreløpige tall."),
        (2026, "nho_kommune_nm"): (Decimal("52"), "NHO Kommune-NM 2026", "")}
    page = html_of(client.get(URL))
    assert "«Plassering i NHO Kommune-NM» for 2026 er lagret." in page
    # newest year first; within a year in the order of the form
    assert page.index('id="context-2027-nho_kommune_nm"') < \
        page.index('id="context-2027-ssb_higher_education"') < \
        page.index('id="context-2026-nho_kommune_nm"')
    row = page[page.index('id="context-2027-ssb_higher_education"'):]
    row = row[:row.index("</tr>")]
    assert "41,2 %" in row and "SSB tabell 09429" in row and "Foreløpige tall." in row \
        and "Mona Forvalter" in row
    row = page[page.index('id="context-2027-ssb_knowledge_jobs"'):]
    assert "12 300" in row[:row.index("</tr>")]
    added = events()
    assert [(e.action, e.actor_id, e.details["year"], e.details["kind"], e.details["value"])
            for e in added] == [
        ("context_figure.added", manager.id, 2027, "nho_kommune_nm", "45"),
        ("context_figure.added", manager.id, 2027, "ssb_knowledge_jobs", "12300"),
        ("context_figure.added", manager.id, 2027, "ssb_higher_education", "41.2"),
        ("context_figure.added", manager.id, 2026, "nho_kommune_nm", "52")]
    assert {object_label(e.object_type) for e in added} == {"Tall utenfor systemet"}

    # «Endre» fills the form with the figure; the same year and kind is changed, not added
    edit = html_of(client.get(f"{URL}?aar=2027&tall=nho_kommune_nm"))
    assert 'value="45"' in edit and 'value="NHO Kommune-NM 2027"' in edit
    assert f'href="{URL}?aar=2027&amp;tall=nho_kommune_nm#context-form"' in page
    post(client, **figure(value="40", source="NHO Kommune-NM 2027, endelig"))
    assert stored()[(2027, "nho_kommune_nm")] == (Decimal("40"), "NHO Kommune-NM 2027, endelig",
                                                   "")
    assert len(stored()) == 4
    changed = events()[-1]
    assert (changed.action, changed.actor_id, changed.details["changes"]) == (
        "context_figure.changed", manager.id,
        {"value": ["45", "40"], "source": ["NHO Kommune-NM 2027", "NHO Kommune-NM 2027, endelig"]})
    # the same again: nothing changes, and the page says so
    post(client, **figure(value="40,0", source="NHO Kommune-NM 2027, endelig"))
    assert len(events()) == 5
    assert "«Plassering i NHO Kommune-NM» for 2027 er uendret." in html_of(client.get(URL))

    # deleting asks first; the figure is kept until confirmed
    target = _db.session.execute(select(ContextFigure.id).where(
        ContextFigure.year == 2026)).scalar_one()
    delete_url = f"{URL}/{target}/slett"
    assert f'href="{delete_url}"' in html_of(client.get(URL))
    confirm = html_of(client.get(delete_url))
    assert "Slett tallet" in confirm and "52" in confirm and "NHO Kommune-NM 2026" in confirm
    assert (2026, "nho_kommune_nm") in stored()
    response = post(client, delete_url)
    assert response.status_code == 302 and response.headers["Location"].endswith(URL)
    assert (2026, "nho_kommune_nm") not in stored() and len(stored()) == 3
    assert "«Plassering i NHO Kommune-NM» for 2026 er slettet." in html_of(client.get(URL))
    deleted = events()[-1]
    assert (deleted.action, deleted.actor_id, deleted.object_id, deleted.details["value"],
            deleted.details["source"]) == ("context_figure.deleted", manager.id, target, "52",
                                           "NHO Kommune-NM 2026")
    assert client.get(delete_url).status_code == 404


@pytest.mark.parametrize("fields, message", [
    (figure(value="0"), "Plasseringen i NHO Kommune-NM må være et helt tall fra 1 til 357."),
    (figure(value="358"), "Plasseringen i NHO Kommune-NM må være et helt tall fra 1 til 357."),
    (figure(value="45,5"), "Plasseringen i NHO Kommune-NM må være et helt tall fra 1 til 357."),
    (figure(kind=JOBS.value, value="12,5"),
     "Antallet sysselsatte må være et helt tall fra 0 til 1 000 000."),
    (figure(kind=JOBS.value, value="1 000 001"),
     "Antallet sysselsatte må være et helt tall fra 0 til 1 000 000."),
    (figure(kind=EDUCATION.value, value="100,1"),
     "Andelen må være et tall fra 0 til 100 med høyst én desimal, for eksempel 41,2."),
    (figure(kind=EDUCATION.value, value="41,25"),
     "Andelen må være et tall fra 0 til 100 med høyst én desimal, for eksempel 41,2."),
    (figure(value="-3"), "Skriv tallet med siffer, for eksempel 45, 12 300 eller 41,2."),
    (figure(value="abc"), "Skriv tallet med siffer, for eksempel 45, 12 300 eller 41,2."),
    (figure(value="1e2"), "Skriv tallet med siffer, for eksempel 45, 12 300 eller 41,2."),
    (figure(value="NaN"), "Skriv tallet med siffer, for eksempel 45, 12 300 eller 41,2."),
    (figure(value="9" * 40), "Skriv tallet med siffer, for eksempel 45, 12 300 eller 41,2."),
    (figure(value="½"), "Skriv tallet med siffer, for eksempel 45, 12 300 eller 41,2."),
    (figure(value=""), "Skriv tallet."),
    (figure(year="1999"), "Året må være et helt tall fra 2000 til 2100."),
    (figure(year="2101"), "Året må være et helt tall fra 2000 til 2100."),
    (figure(year="27"), "Skriv året med fire siffer, for eksempel 2027."),
    (figure(year="20 27"), "Skriv året med fire siffer, for eksempel 2027."),
    (figure(year=""), "Skriv året tallet gjelder for."),
    (figure(kind="ukjent"), "Velg hvilket tall det er."),
    (figure(source="   "), "Oppgi kilden, for eksempel «SSB tabell 12345»."),
    (figure(source=""), "Oppgi kilden, for eksempel «SSB tabell 12345»."),
    (figure(source="x" * 201), "Kilden kan ikke være lengre enn 200 tegn."),
    (figure(source="SSB\ntabell"), "Feltet kan ikke inneholde linjeskift eller kontrolltegn."),
    (figure(note="x" * 2001), "Merknaden kan ikke være lengre enn 2000 tegn."),
])
def test_junk_and_figures_out_of_range_are_refused_in_norwegian_and_nothing_is_kept(
        client, manager, fields, message):
    response = post(client, **fields)
    assert response.status_code == 200
    page = html_of(response)
    assert message in page
    assert 'class="ds-error-summary"' in page
    assert stored() == {} and events() == []


def test_the_bounds_themselves_are_taken(client, manager):
    for fields in (figure(year="2000", value="1"), figure(year="2100", value="357"),
                   figure(kind=JOBS.value, value="0"),
                   figure(kind=EDUCATION.value, value="100"),
                   figure(year="2026", kind=EDUCATION.value, value="0,1")):
        assert post(client, **fields).status_code == 302, fields
    assert {key: value for key, (value, _source, _note) in stored().items()} == {
        (2000, "nho_kommune_nm"): 1, (2100, "nho_kommune_nm"): 357,
        (2027, "ssb_knowledge_jobs"): 0, (2027, "ssb_higher_education"): 100,
        (2026, "ssb_higher_education"): Decimal("0.1")}


def test_the_operation_checks_what_a_form_might_not(db):
    lene = make_user("lene@example.no", Role.MANAGER)
    for args, field in [((2027, RANK, 45.0), "value"), ((2027, RANK, True), "value"),
                        ((2027, RANK, Decimal("NaN")), "value"), ((2027, RANK, None), "value"),
                        ((2027, JOBS, -1), "value"), ((2027, "ukjent", 1), "kind"),
                        (("2027", RANK, 1), "year"), ((None, RANK, 1), "year")]:
        with pytest.raises(ContextFigureError) as refused:
            set_context_figure(*args, "SSB", "", lene)
        assert refused.value.field == field, args
    with pytest.raises(ContextFigureError, match="Oppgi kilden"):
        set_context_figure(2027, RANK, 1, "\x00\x07 ", "", lene)
    # text is cleaned: control characters out, the source on one line
    saved, changed = set_context_figure(2027, EDUCATION, Decimal("41.20"), " SSB \t tabell ",
                                        "Merknad\x00", lene)
    assert changed and (saved.source, saved.note, saved.number) == (
        "SSB tabell", "Merknad", Decimal("41.2"))
    assert set_context_figure(2027, EDUCATION, Decimal("41.2"), "SSB tabell", "Merknad",
                              lene) == (saved, False)


@pytest.mark.parametrize("role", [Role.CASEWORKER, Role.APPLICANT, Role.ADMIN])
def test_nobody_but_a_manager_may_see_enter_or_delete_them(client, db, role):
    lene = make_user("lene@example.no", Role.MANAGER)
    existing, _changed = set_context_figure(2027, RANK, 45, "NHO", "", lene)
    _db.session.commit()
    login(client, make_user("other@example.no", role))
    token = csrf_token(client, "/")
    assert client.get(URL).status_code == 403
    assert client.post(URL, data={"csrf_token": token, **figure(year="2028")}
                       ).status_code == 403
    assert client.get(f"{URL}/{existing.id}/slett").status_code == 403
    assert client.post(f"{URL}/{existing.id}/slett", data={"csrf_token": token}
                       ).status_code == 403
    assert list(stored()) == [(2027, "nho_kommune_nm")] and len(events()) == 1


def test_anonymous_users_are_sent_to_log_in(app, db):
    anonymous = app.test_client()
    for path in (URL, f"{URL}/1/slett"):
        response = anonymous.get(path)
        assert response.status_code == 302 and "/logg-inn" in response.headers["Location"]


def test_the_forms_need_their_csrf_token(client, manager):
    assert post(client, token=False, **figure()).status_code == 400
    assert stored() == {} and events() == []
    post(client, **figure())
    [saved] = _db.session.scalars(select(ContextFigure)).all()
    assert client.post(f"{URL}/{saved.id}/slett").status_code == 400
    assert len(stored()) == 1 and len(events()) == 1


# --- In the yearly evaluation: the page and the files ---


@pytest.fixture
def entered(world, client, manager):
    """The world of tests/reports/conftest.py (calls 2027–2029) with figures for 2027 and
    2028, none for 2029, and one for 2026 (not a year of the table)."""
    for fields in (figure(value="45", source="NHO Kommune-NM 2027"),
                   figure(year="2028", value="40", source="NHO Kommune-NM 2028"),
                   figure(kind=JOBS.value, value="12300", source="SSB tabell 12345"),
                   figure(year="2028", kind=JOBS.value, value="12800",
                          source="SSB tabell 12345"),
                   figure(kind=EDUCATION.value, value="41,2", source="SSB tabell 09429",
                          note="Foreløpige tall."),
                   figure(year="2026", value="99", source="NHO Kommune-NM 2026")):
        assert post(client, **fields).status_code == 302
    return world


def row_of(html: str, row_id: str) -> str:
    row = html[html.index(f'id="{row_id}"'):]
    return row[:row.index("</tr>")]


def test_the_coverage_page_shows_them_under_their_own_heading_with_sources(app, client,
                                                                         entered):
    page = html_of(client.get("/rapporter/dekning"))
    table = page[page.index('id="evaluation-years"'):]
    table = table[:table.index("</table>")]
    assert "Utenfor systemet (registrert for hånd)" in table
    rank = row_of(page, "evaluation-context-nho_kommune_nm")
    assert rank.endswith('<td class="num">45</td><td class="num">40</td><td class="num">–</td>')
    assert "Kilde: NHO Kommune-NM 2027; NHO Kommune-NM 2028" in rank
    assert "99" not in rank  # 2026 is not a year of the table
    assert row_of(page, "evaluation-context-ssb_knowledge_jobs").endswith(
        '<td class="num">12 300</td><td class="num">12 800</td><td class="num">–</td>')
    education = row_of(page, "evaluation-context-ssb_higher_education")
    assert education.endswith(
        '<td class="num">41,2 %</td><td class="num">–</td><td class="num">–</td>')
    assert "Merknad til «Andel innbyggere med høyere utdanning (SSB, 3205)» 2027: " \
        "Foreløpige tall." in page
    # the manager may enter them from here; a caseworker sees them, without the link
    assert f'href="{URL}"' in page
    caseworker = app.test_client()
    login(caseworker, make_user("cw@example.no", Role.CASEWORKER))
    page = html_of(caseworker.get("/rapporter/dekning"))
    assert "evaluation-context-nho_kommune_nm" in page and f'href="{URL}"' not in page


def test_the_csv_xlsx_and_pdf_have_the_same_numbers(client, entered):
    data = client.get("/rapporter/dekning/eksport.csv").get_data()
    rows = [row for row in csv.reader(io.StringIO(data.decode("utf-8-sig")), delimiter=";")
            if row[0] == "kontekst"]
    assert [(row[1], row[2], row[3], row[-1]) for row in rows] == [
        ("2027", "Plassering i NHO Kommune-NM – kilde: NHO Kommune-NM 2027", "45", "2022-2024"),
        ("2028", "Plassering i NHO Kommune-NM – kilde: NHO Kommune-NM 2028", "40", "2022-2024"),
        ("2027", "Sysselsatte i kunnskapsintensive næringer (SSB, 3205) – kilde: SSB tabell "
                 "12345", "12300", "2022-2024"),
        ("2028", "Sysselsatte i kunnskapsintensive næringer (SSB, 3205) – kilde: SSB tabell "
                 "12345", "12800", "2022-2024"),
        ("2027", "Andel innbyggere med høyere utdanning (SSB, 3205), prosent – kilde: SSB "
                 "tabell 09429 – merknad: Foreløpige tall.", "41,2", "2022-2024")]
    assert all(set(row[4:-1]) == {""} for row in rows)

    book = load_workbook(io.BytesIO(client.get("/rapporter/dekning/eksport.xlsx").get_data()))
    sheet = book["Evaluering per år"]
    headers = [cell.value for cell in sheet[1]]
    cells = {row[0].value: {h: c for h, c in zip(headers, row, strict=True)}
             for row in sheet.iter_rows(min_row=2)}
    assert list(cells) == [2027, 2028, 2029]
    rank = "Utenfor systemet: Plassering i NHO Kommune-NM"
    jobs = "Utenfor systemet: Sysselsatte i kunnskapsintensive næringer (SSB, 3205)"
    education = "Utenfor systemet: Andel innbyggere med høyere utdanning (SSB, 3205)"
    assert [(cells[y][rank].value, cells[y][jobs].value) for y in cells] == [
        (45, 12_300), (40, 12_800), (None, None)]
    assert cells[2027][education].value == pytest.approx(0.412)
    assert cells[2027][education].number_format == "0.0 %"
    assert cells[2027]["Kilde: Plassering i NHO Kommune-NM"].value == "NHO Kommune-NM 2027"
    assert cells[2027]["Merknad: Andel innbyggere med høyere utdanning (SSB, 3205)"].value \
        == "Foreløpige tall."
    assert headers[-1] == "Planversjon"

    text = pdf_text(client.get("/rapporter/dekning/eksport.pdf").get_data())
    assert "Utenfor systemet (registrert for hånd)" in text
    assert "Plassering i NHO Kommune-NM Kilde: NHO Kommune-NM 2027; NHO Kommune-NM 2028 " \
        "45 40 –" in text
    assert "12 300 12 800 –" in text and "41,2 % – –" in text
    assert "Merknad til «Andel innbyggere med høyere utdanning (SSB, 3205)» 2027: " \
        "Foreløpige tall." in text


def test_without_figures_the_rows_say_so(client, world, manager):
    page = html_of(client.get("/rapporter/dekning"))
    assert row_of(page, "evaluation-context-nho_kommune_nm").endswith(
        '<td class="num">–</td>' * 3)
    assert "Ingen slike tall er registrert for disse årene." in page
    rows = client.get("/rapporter/dekning/eksport.csv").get_data().decode("utf-8-sig")
    assert "kontekst;" not in rows


def test_the_migration_adds_and_removes_the_table_on_sqlite(tmp_path):
    """Down to the revision before and up again: the table is gone, then back, empty,
    with its checks."""
    from flask_migrate import downgrade, upgrade
    from sqlalchemy import inspect, text

    from fund import create_app
    app = create_app({"SECRET_KEY": "x", "TESTING": True,
                      "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path}/old.sqlite"})
    with app.app_context():
        upgrade()
        lene = make_user("lene@example.no", Role.MANAGER)
        set_context_figure(2027, RANK, 45, "NHO", "", lene)
        _db.session.commit()
        _db.session.remove()
        downgrade(revision="5e7a1c2b9d40")
        with _db.engine.connect() as conn:
            assert "context_figures" not in inspect(conn).get_table_names()
        upgrade()
        with _db.engine.connect() as conn:
            assert conn.execute(text("SELECT count(*) FROM context_figures")).scalar_one() == 0
            insert = ("INSERT INTO context_figures (year, kind, value, source, note, "
                      "recorded_by_id, recorded_at) VALUES (2027, '{kind}', {value}, "
                      "'{source}', '', 1, '2027-01-01')")
            for kind, value, source in (("nho_kommune_nm", 0, "NHO"),
                                        ("ssb_higher_education", 100.1, "SSB"),
                                        ("ssb_knowledge_jobs", -1, "SSB"),
                                        ("ssb_knowledge_jobs", 1, " ")):
                with pytest.raises(Exception, match="(?i)check"):
                    conn.execute(text(insert.format(kind=kind, value=value, source=source)))
