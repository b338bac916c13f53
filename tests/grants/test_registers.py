"""Registers and reporting (LAW.md §4 J and K): the de minimis grants reported to
Registeret for offentlig støtte within 20 working days, the yearly KDD sums, and the
de minimis record kept ten years.

Grant A (Alfa AS, kr 150 000, EUR 13 043,48 at 11,5) and B (Beta AS, kr 90 000) were
decided on Monday 10 May 2027. Twenty working days from then, with 17 May (a Monday,
grunnlovsdag and 2. pinsedag in 2027) not counted, end on Tuesday 8 June 2027."""

import csv
import hashlib
import io
from datetime import UTC, date, datetime
from decimal import Decimal

import pytest
import time_machine
from sqlalchemy import select

from fund.audit.models import AuditEvent
from fund.grants.models import (
    GrantState,
    PaymentRequest,
    PaymentState,
    RegisterExport,
    RegisterKind,
    Repayment,
)
from fund.grants.queries import stotteregister_rows
from tests.helpers import csrf_token, login, post_form

PAGE = "/tilskudd/registre/stotteregisteret"
EXPORT = "/tilskudd/registre/stotteregisteret/eksport"
KDD = "/tilskudd/registre/kdd"
LEGAL_BASIS = "Forordning (EU) 2023/2831 (bagatellmessig støtte)"
#: The last day to report A and B: 20 working days after 10 May 2027, 17 May not counted.
DUE = date(2027, 6, 8)


def moment(day: date) -> datetime:
    """Noon in Oslo (summer time) on ``day``."""
    return datetime(day.year, day.month, day.day, 10, tzinfo=UTC)


@pytest.fixture
def clock():
    """The clock frozen at noon on Thursday 20 May 2027; ``clock.move_to`` moves it."""
    traveller = time_machine.travel(moment(date(2027, 5, 20)), tick=False)
    coordinates = traveller.start()
    yield coordinates
    traveller.stop()


@pytest.fixture
def registers(granted, db):
    """A and B both de minimis, with their KDD categories and næringskoder."""
    a, b = granted.decided.decisions["A"], granted.decided.decisions["B"]
    a.kdd_category = "1310"
    b.state_aid_basis = a.state_aid_basis
    b.nok_per_eur, b.amount_eur = Decimal("11.5000"), Decimal("7826.09")
    b.kdd_category = "1110"
    granted.apps["A"].organisation.industry_code = "28.250"
    granted.apps["B"].organisation.industry_code = "10.710"
    db.session.commit()
    return granted


def read_csv(data: bytes) -> list[list[str]]:
    assert data.startswith(b"\xef\xbb\xbf")  # Excel reads UTF-8 with the byte order mark
    return list(csv.reader(io.StringIO(data.decode("utf-8-sig")), delimiter=";"))


def table(html: str, table_id: str) -> str:
    start = html.index(f'id="{table_id}"')
    return html[start:html.index("</table>", start)].replace("\xa0", " ")


def test_a_manager_exports_the_due_grants_and_the_file_reads_back_as_computed(
        registers, clock, app, client, db):
    cases = {key: registers.apps[key].case_number for key in ("A", "B")}
    login(client, registers.lene)
    page = client.get(PAGE).text
    due = table(page, "due")
    assert "Alfa AS" in due and "Beta AS" in due and "8. juni 2027" in due
    assert "Ingen tilskudd er over fristen." in page
    assert "Alle tilskudd, uansett beløp" in page and "20 virkedager" in page
    confirm = client.get(EXPORT).text
    assert "2 tilskudd" in confirm and cases["A"] in confirm
    response = post_form(client, EXPORT, {})
    assert response.status_code == 302
    page = client.get(PAGE).text
    assert "Eksporten er laget med 2 tilskudd" in page
    export = db.session.execute(select(RegisterExport)).scalar_one()
    assert export.kind == RegisterKind.STOTTEREGISTERET and export.rows == 2
    reported = table(page, "reported")
    assert "Alfa AS" in reported and "Beta AS" in reported and "Eksportert" in reported
    assert "Ingen tilskudd venter på rapportering innenfor fristen." in page

    download = client.get(f"/tilskudd/registre/eksporter/{export.id}.csv")
    assert download.status_code == 200 and download.mimetype == "text/csv"
    assert hashlib.sha256(download.data).hexdigest() == export.sha256
    header, *rows = read_csv(download.data)
    assert header == ["Organisasjonsnummer", "Mottaker", "Beløp NOK", "Beløp EUR",
                      "Kurs NOK/EUR", "Tildelingsdato", "Støtteinstrument", "Rettsgrunnlag",
                      "Formål", "Næringskode", "Støttegiver", "Saksnummer"]
    # 90 000 / 11,5 = 7 826,0869… → 7 826,09; 150 000 / 11,5 = 13 043,478… → 13 043,48.
    assert sorted(rows) == sorted([
        ["912345602", "Alfa AS", "150000", "13043.48", "11.5000", "2027-05-10", "Tilskudd",
         LEGAL_BASIS, "Alfa varmepumpe", "28.250", "Lillestrøm kommune", cases["A"]],
        ["912345610", "Beta AS", "90000", "7826.09", "11.5000", "2027-05-10", "Tilskudd",
         LEGAL_BASIS, "Beta bakeri", "10.710", "Lillestrøm kommune", cases["B"]],
    ])
    event = db.session.execute(select(AuditEvent).where(
        AuditEvent.action == "register.exported")).scalar_one()
    assert event.actor_id == registers.lene.id and event.details["rows"] == 2
    assert event.details["sha256"] == export.sha256

    # Nothing is left to export: a second export is refused, and no empty file is made.
    response = post_form(client, EXPORT, {}, form_page=PAGE, follow_redirects=True)
    assert "Ingen tilskudd venter på å bli rapportert" in response.text
    assert db.session.execute(select(RegisterExport)).scalars().all() == [export]


def test_the_registers_reference_is_recorded_on_the_export(registers, clock, client, db):
    login(client, registers.lene)
    post_form(client, EXPORT, {})
    export = db.session.execute(select(RegisterExport)).scalar_one()
    path = f"/tilskudd/registre/eksporter/{export.id}/referanse"
    page = post_form(client, path, {"reference": "x" * 101}, form_page=PAGE,
                     follow_redirects=True).text
    assert "høyst 100 tegn" in page
    page = post_form(client, path, {"reference": "  "}, form_page=PAGE,
                     follow_redirects=True).text
    assert "Skriv referansen" in page
    page = post_form(client, path, {"reference": "RFOS-2027-004711"}, form_page=PAGE,
                     follow_redirects=True).text
    assert "Referansen er lagret." in page
    assert "Referanse: RFOS-2027-004711" in table(page, "reported")
    db.session.expire_all()
    assert db.session.get(RegisterExport, export.id).reference == "RFOS-2027-004711"
    event = db.session.execute(select(AuditEvent).where(
        AuditEvent.action == "register.reference")).scalar_one()
    assert event.details["reference"] == "RFOS-2027-004711"


def test_a_grant_not_reported_in_twenty_working_days_is_overdue_holidays_not_counted(
        registers, clock, app, client, db):
    # B decided on Monday 22 March 2027 instead: skjærtorsdag, langfredag and 2. påskedag
    # (25, 26 and 29 March) do not count, so its 20 working days end on Thursday
    # 22 April, not Monday 19 April.
    registers.decided.decisions["B"].decided_on = date(2027, 3, 22)
    db.session.commit()
    rows = {row.decision.application.organisation.name: row
            for row in stotteregister_rows(date(2027, 4, 22), 0, 20)}
    assert rows["Beta AS"].due == date(2027, 4, 22) and rows["Beta AS"].status == "due"
    assert rows["Alfa AS"].due == DUE
    rows = {row.decision.application.organisation.name: row
            for row in stotteregister_rows(DUE, 0, 20)}
    assert rows["Alfa AS"].status == "due"  # the last day is still in time
    assert rows["Beta AS"].status == "overdue" and rows["Beta AS"].days_overdue == 47

    clock.move_to(moment(date(2027, 6, 9)))
    login(client, registers.lene)
    page = client.get(PAGE).text
    call_page = client.get(f"/forvaltning/utlysninger/{registers.decided.call.id}").text
    overdue = table(page, "overdue")
    assert "2 tilskudd skulle vært rapportert" in page
    # The longest overdue first: B 48 days after 22 April, A one day after 8 June.
    assert overdue.index("Beta AS") < overdue.index("Alfa AS")
    assert "48 dager over fristen" in overdue and "1 dag over fristen" in overdue
    assert page.index('id="overdue"') < page.index('id="due-h"')
    assert 'id="registers-panel"' in call_page and "2 tilskudd over fristen" in call_page
    assert "/tilskudd/registre/stotteregisteret" in call_page
    assert "/tilskudd/registre/kdd?aar=" in call_page

    post_form(client, EXPORT, {})
    event = db.session.execute(select(AuditEvent).where(
        AuditEvent.action == "register.exported")).scalar_one()
    assert event.details["overdue"] == 2


def test_the_threshold_setting_leaves_out_grants_below_it(registers, clock, app, client, db,
                                                          monkeypatch):
    monkeypatch.setitem(app.config, "STOTTEREGISTER_THRESHOLD_EUR", 100_000)
    # B, at exactly EUR 100 000, is at the threshold and reported; A, below it, is not.
    registers.decided.decisions["B"].amount_eur = Decimal("100000.00")
    db.session.commit()
    login(client, registers.lene)
    page = client.get(PAGE).text
    confirm = client.get(EXPORT).text
    assert "Tilskudd på 100" in page and "euro eller mer" in page
    assert "Beta AS" in table(page, "due")
    assert "Alfa AS" not in page and "Alfa AS" not in confirm
    assert "1 tilskudd" in confirm


def _pay(grant, number, amount, paid_on, user):
    return PaymentRequest(grant=grant, number=number, state=PaymentState.PAID,
                          amount_requested=amount, amount_approved=amount, amount_paid=amount,
                          paid_on=paid_on, submitted_by_id=user.id, decided_by_id=user.id)


def test_the_kdd_report_sums_each_category_for_the_tilsagn_year(registers, client, db):
    """A (1310) was paid 75 000 and 55 000, paid back 10 000 and closed with kr 20 000
    unspent; B (1110) lapsed, all its kr 90 000 back to the call."""
    a, b = registers.grants["A"], registers.grants["B"]
    lene = registers.lene
    a.state = GrantState.COMPLETED
    db.session.add_all([_pay(a, 1, 75_000, date(2027, 6, 15), lene),
                        _pay(a, 2, 55_000, date(2028, 2, 20), lene),
                        Repayment(grant=a, amount=10_000, received_on=date(2028, 3, 1),
                                  recorded_by_id=lene.id)])
    registers.decided.decisions["A"].returned_amount = 20_000
    b.state = GrantState.LAPSED
    registers.decided.decisions["B"].returned_amount = 90_000
    db.session.commit()

    login(client, lene)
    page = client.get(f"{KDD}?aar=2027").text
    assert "Akershus fylkeskommune" in page
    row_1310 = table(page, "kdd")[table(page, "kdd").index('id="kdd-1310"'):]
    assert "kr 150 000" in row_1310.split("</tr>")[0]
    download = client.get(f"{KDD}.csv?aar=2027")
    assert download.status_code == 200
    header, *rows = read_csv(download.data)
    assert header == ["Kategori", "Kategorinavn", "Antall tilsagn", "Tilsagn kr",
                      "Utbetalt kr", "Bortfalt kr", "Tilbakeført kr"]
    sums = {row[0]: row[2:] for row in rows}
    assert sums["1310"] == ["1", "150000", "120000", "0", "20000"]
    assert sums["1110"] == ["1", "90000", "0", "90000", "0"]
    for code in ("1245", "1330", "1375", "2000", "2110"):
        assert sums[code] == ["0", "0", "0", "0", "0"]
    assert rows[-1][1] == "Sum" and rows[-1][2:] == ["2", "240000", "120000", "90000", "20000"]
    export = db.session.execute(select(RegisterExport).where(
        RegisterExport.kind == RegisterKind.KDD)).scalar_one()
    assert export.year == 2027 and export.sha256 == hashlib.sha256(download.data).hexdigest()
    assert {item.decision_id for item in export.items} == {
        registers.decided.decisions[k].id for k in ("A", "B")}
    assert db.session.execute(select(AuditEvent).where(
        AuditEvent.action == "register.exported")).scalar_one().details["year"] == 2027

    # Another tilsagn year has nothing; the page says so in its table.
    header, *rows = read_csv(client.get(f"{KDD}.csv?aar=2026").data)
    assert rows[-1][2:] == ["0", "0", "0", "0", "0"]
    assert "Nedlastinger for 2027" in client.get(f"{KDD}?aar=2027").text
    assert client.get(f"{KDD}?aar=tull").status_code == 200
    assert client.get(f"{KDD}?aar=99999999999999").status_code == 200


@pytest.mark.parametrize("who", ["sara", "applicant"])
def test_only_managers_reach_the_registers(registers, clock, app, client, db, who):
    manager = app.test_client()
    login(manager, registers.lene)
    post_form(manager, EXPORT, {})
    export = db.session.execute(select(RegisterExport)).scalar_one()
    user = registers.sara if who == "sara" else registers.applicants["A"]
    login(client, user)
    for path in (PAGE, EXPORT, KDD, f"{KDD}.csv", f"/tilskudd/registre/eksporter/{export.id}.csv"):
        assert client.get(path).status_code == 403, path
    token = csrf_token(client, "/")
    for path in (EXPORT, f"/tilskudd/registre/eksporter/{export.id}/referanse"):
        assert client.post(path, data={"csrf_token": token, "reference": "X"}).status_code \
            == 403, path
    assert db.session.execute(select(RegisterExport)).scalars().all() == [export]
    assert client.get(f"/forvaltning/utlysninger/{registers.decided.call.id}").status_code \
        == 403
    anonymous = app.test_client()
    assert anonymous.get(PAGE).status_code == 302


def test_a_kdd_export_has_no_register_file(registers, client, db):
    login(client, registers.lene)
    client.get(f"{KDD}.csv?aar=2027")
    export = db.session.execute(select(RegisterExport)).scalar_one()
    assert client.get(f"/tilskudd/registre/eksporter/{export.id}.csv").status_code == 404
    assert client.get("/tilskudd/registre/eksporter/999999.csv").status_code == 404


def test_the_call_pages_counts_are_the_registers_rows_counted(registers, clock, client, db):
    """The call page counts the register's grants in the database (issue 14: reading every
    row took seconds at 100,000 applications): the same counts as the register's own
    rows, on the last day and the day after, over and under the threshold, without the
    inhabil's, and once reported."""
    from collections import Counter

    from fund.grants.queries import register_counts

    def both(today, threshold=0, hidden=frozenset()):
        rows = Counter(row.status for row in stotteregister_rows(today, threshold, 20,
                                                                  hidden))
        counts = register_counts(today, threshold, 20, hidden)
        assert {status: n for status, n in counts.items() if n} == dict(rows)
        return counts

    a = registers.apps["A"].id
    assert both(DUE) == {"due": 2, "overdue": 0, "reported": 0}
    assert both(date(2027, 6, 9)) == {"due": 0, "overdue": 2, "reported": 0}
    assert both(DUE, threshold=10_000)["due"] == 1  # B's 7 826 euro is under it
    assert both(date(2027, 6, 9), hidden={a})["overdue"] == 1
    login(client, registers.lene)
    assert post_form(client, EXPORT, {}, form_page=PAGE).status_code == 302
    assert both(date(2027, 6, 9)) == {"due": 0, "overdue": 0, "reported": 2}


def test_a_long_register_lists_the_first_rows_and_says_the_export_takes_them_all(
        registers, clock, client, monkeypatch):
    """Each part of the page lists a bounded number of rows (after years of grants it was
    megabytes), and says so; the export still takes every unreported grant."""
    monkeypatch.setattr("fund.grants.views.REGISTER_SHOWN", 1)
    login(client, registers.lene)
    page = client.get(PAGE).text
    due = table(page, "due")
    assert (("Alfa AS" in due) + ("Beta AS" in due)) == 1
    assert "Viser de 1 med nærmest frist, av 2. Alle kommer med i eksporten." in page
    confirm = client.get(EXPORT).text
    assert "Eksporten tar med 2 tilskudd" in confirm and "… og 1 tilskudd til." in confirm
    monkeypatch.setattr("fund.grants.views.REGISTER_SHOWN", 2)
    page = client.get(PAGE).text
    assert "Alfa AS" in table(page, "due") and "Beta AS" in table(page, "due")
    assert "Viser de" not in page


def test_the_pages_rows_are_the_first_of_the_registers_rows_read_whole_only_when_shown(
        registers, clock, client, db):
    """The register's page reads every grant as its id, day and first export, and loads
    whole only the rows it shows (issue 14): they are the first of each part of the full
    rows, in the same order, with the same counts, however few it shows."""
    from fund.grants.queries import register_overview

    def check(today, shown, threshold=0, hidden=frozenset()):
        full = stotteregister_rows(today, threshold, 20, hidden)
        overview = register_overview(today, threshold, 20, hidden, shown)
        for status, (rows, total) in overview.items():
            expected = [r for r in full if r.status == status]
            assert total == len(expected), status
            assert [(r.decision.id, r.due, r.export) for r in rows] == \
                [(r.decision.id, r.due, r.export) for r in expected[:shown]], status
        return {status: (len(rows), total) for status, (rows, total) in overview.items()}

    a = registers.apps["A"].id
    decided = registers.decided.decisions
    first = min(decided["A"].id, decided["B"].id)  # both were decided the same day
    assert check(DUE, 1) == {"overdue": (0, 0), "due": (1, 2), "reported": (0, 0)}
    [(row,), _total] = register_overview(DUE, 0, 20, frozenset(), 1)["due"]
    assert row.decision.id == first
    assert check(date(2027, 6, 9), 5) == {"overdue": (2, 2), "due": (0, 0),
                                          "reported": (0, 0)}
    assert check(DUE, 5, threshold=10_000)["due"] == (1, 1)
    assert check(date(2027, 6, 9), 5, hidden={a})["overdue"] == (1, 1)
    login(client, registers.lene)
    assert post_form(client, EXPORT, {}, form_page=PAGE).status_code == 302
    assert check(date(2027, 6, 9), 1) == {"overdue": (0, 0), "due": (0, 0),
                                          "reported": (1, 2)}
    # one export holds both: the same time, so the order is the vedtak's
    [(row,), _total] = register_overview(date(2027, 6, 9), 0, 20, frozenset(), 1)["reported"]
    assert row.decision.id == first
