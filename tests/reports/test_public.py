"""The public list of grants (LAW.md §4.M), as the public reads it.

From ``granted`` (tests/grants/conftest.py): the decided call's letters were sent on
11 May 2027. A, Alfa AS, was granted kr 150 000 in full; B, Beta AS, kr 90 000 of
150 000 (delvis innvilget); C, Gamma AS, was rejected; D, Delta AS, dismissed; E,
Epsilon AS, withdrawn. The caseworkers confirmed for A three measures in two areas,
1B-2 and 1C-6 (area 1) and 5C-2 (area 5), and for B 1C-6 (area 1); for the rejected C
1B-2, which counts nowhere.

Per area: 1 has A and B, 2 grants, kr 240 000 (A once, though two of its measures are
there); 5 has A, 1 grant, kr 150 000; 2, 3 and 4 none. The total is 2 grants,
kr 240 000, not the kr 390 000 the areas add up to."""

import secrets
from datetime import UTC, date, datetime

from sqlalchemy import select

from fund.applications.models import ExemptionRequest
from fund.decisions.models import Decision, DecisionKind, Letter, LetterKind
from fund.grants.models import GrantState
from fund.plan.models import Measure
from fund.review.models import ConfirmedMeasure, Outcome
from tests.decisions.conftest import decided, sent  # noqa: F401 (fixtures)
from tests.grants.conftest import granted  # noqa: F401 (a fixture)
from tests.helpers import count_queries, html_of, make_application, make_organisation, make_user
from tests.test_pages import audit

SUMMARY = {"A": "Alfa bytter oljefyren med en varmepumpe og kutter 40 tonn CO2 i året.",
           "B": "Beta baker med kortreist mel fra Sørum."}
SECRET = "Hemmelig leverandør: Pumpefabrikken AB, timepris kr 1 450."


def _measure(db, code):
    return db.session.scalars(select(Measure).where(Measure.code == code)).one()


def _confirm(db, application, user, *codes):
    for code in codes:
        db.session.add(ConfirmedMeasure(application_id=application.id,
                                        measure_id=_measure(db, code).id,
                                        confirmed_by_id=user.id))


def _send(db, decision, when):
    db.session.add(Letter(application_id=decision.application_id, decision=decision,
                          kind=LetterKind.DECISION, stored_name=secrets.token_hex(16),
                          sha256="0" * 64, sent_at=when, appeal_deadline=date(2027, 12, 1)))


def _recover(db, granted, key, new_amount, sent=True):  # noqa: F811
    """A recovery vedtak on ``key``'s grant: reduced to ``new_amount``, or revoked (0)."""
    current = granted.decided.decisions[key]
    recovery = Decision(application_id=current.application_id, kind=DecisionKind.RECOVERY,
                        outcome=Outcome.PARTLY_GRANTED if new_amount else Outcome.REJECTED,
                        amount=new_amount or None, decided_on=date(2027, 10, 1),
                        decided_by_id=granted.lene.id, reasons="Vilkårene er brutt.")
    current.replaced_at = datetime(2027, 10, 1, 10, 0, tzinfo=UTC)
    db.session.flush()
    db.session.add(recovery)
    db.session.flush()
    current.replaced_by_id = recovery.id
    if sent:
        _send(db, recovery, datetime(2027, 10, 2, 10, 0, tzinfo=UTC))
    if not new_amount:
        granted.grants[key].state = GrantState.REVOKED
    db.session.commit()


def _prepare(db, granted):  # noqa: F811
    for key, summary in SUMMARY.items():
        granted.apps[key].summary = summary
    granted.apps["A"].description = SECRET
    db.session.add(ExemptionRequest(application_id=granted.apps["A"].id, field="description",
                                    reason="Leverandør og pris er forretningshemmeligheter."))
    _confirm(db, granted.apps["A"], granted.sara, "1B-2", "1C-6", "5C-2")
    _confirm(db, granted.apps["B"], granted.sara, "1C-6")
    _confirm(db, granted.apps["C"], granted.sara, "1B-2")  # rejected: never counted
    db.session.commit()


def _grants(html):
    return html.split('id="grants"', 1)[1] if 'id="grants"' in html else ""


def test_only_the_granted_and_partly_granted_are_listed(client, db, granted):  # noqa: F811
    _prepare(db, granted)
    html = html_of(client.get("/tilskudd-tildelt"))
    listed = _grants(html)
    assert "Alfa AS" in listed and "912345602" in listed and "kr 150 000" in listed
    assert "Beta AS" in listed and "912345610" in listed and "kr 90 000" in listed
    for name in ("Gamma AS", "Delta AS", "Epsilon AS", "Gamma grafikk", "Epsilon energi"):
        assert name not in html
    assert SUMMARY["A"] in listed and SUMMARY["B"] in listed
    assert "Alfa varmepumpe" in listed
    assert SECRET not in html
    assert "1B-2" in listed and "5C-2" in listed and "1C-6" in listed
    # Per area: A in 1 and 5, B in 1; the total counts each grant once.
    areas = html.split('id="areas"', 1)[1].split("</table>", 1)[0]
    row1 = areas.split("<th scope=\"row\">1.", 1)[1].split("</tr>", 1)[0]
    row5 = areas.split("<th scope=\"row\">5.", 1)[1].split("</tr>", 1)[0]
    row2 = areas.split("<th scope=\"row\">2.", 1)[1].split("</tr>", 1)[0]
    assert ">2<" in row1 and "kr 240 000" in row1
    assert ">1<" in row5 and "kr 150 000" in row5
    assert ">0<" in row2 and "kr 0" in row2
    assert 'id="total-grants">2<' in areas and 'id="total-amount">kr 240 000<' in areas
    assert "kan derfor ikke legges sammen" in html
    assert audit(html) == []  # accessible markup, as tests/test_pages.py checks


def test_a_revoked_grant_goes_and_a_reduced_one_shows_its_new_amount(client, db,
                                                                    granted):  # noqa: F811
    _prepare(db, granted)
    _recover(db, granted, "A", 0)
    _recover(db, granted, "B", 40_000)
    html = html_of(client.get("/tilskudd-tildelt"))
    assert "Alfa AS" not in html
    listed = _grants(html)
    assert "Beta AS" in listed and "kr 40 000" in listed and "kr 90 000" not in listed
    assert 'id="total-grants">1<' in html and 'id="total-amount">kr 40 000<' in html
    data = client.get("/api/tilskudd").get_json()
    assert [(g["recipient"], g["amount"]) for g in data["grants"]] == [("Beta AS", 40_000)]


def test_a_reduction_not_yet_notified_and_a_lapsed_grant_are_not_listed(
        client, db, granted):  # noqa: F811
    _prepare(db, granted)
    _recover(db, granted, "A", 100_000, sent=False)
    granted.grants["B"].state = GrantState.LAPSED
    db.session.commit()
    data = client.get("/api/tilskudd").get_json()
    assert data["grants"] == []
    assert data["totals"] == {"grants": 0, "amount": 0}


def test_a_grant_is_not_listed_before_its_letter_is_sent(client, db, decided):  # noqa: F811
    assert client.get("/api/tilskudd").get_json()["grants"] == []


def test_a_sole_proprietorship_is_listed_by_name_with_the_privacy_sentence(
        client, db, granted):  # noqa: F811
    _prepare(db, granted)
    beta = granted.apps["B"]
    beta.organisation.org_form = "ENK"
    beta.organisation.name = "Bente Baker"
    beta.contact_name, beta.contact_email = "Bente Baker privat", "bente.privat@example.no"
    beta.contact_phone = "98765432"
    beta.project_leader = "Bjarne Bakersvenn"
    db.session.commit()
    html = html_of(client.get("/tilskudd-tildelt"))
    assert "Bente Baker (enkeltpersonforetak)" in html
    assert "personvernforordningen artikkel 6 nr. 1 bokstav e" in html
    for private in ("bente.privat@example.no", "98765432", "Bente Baker privat",
                    "Bjarne Bakersvenn", granted.applicants["B"].email,
                    granted.applicants["B"].name, "Kari Prosjektleder"):
        assert private not in html
    body = client.get("/api/tilskudd").get_data(as_text=True)
    for private in ("bente.privat@example.no", "98765432", "Bjarne Bakersvenn",
                    granted.applicants["B"].email):
        assert private not in body


def test_the_json_tells_the_same_as_the_page(client, db, granted):  # noqa: F811
    _prepare(db, granted)
    data = client.get("/api/tilskudd").get_json()
    year = granted.decided.call.year
    assert data["grants"] == [
        {"recipient": "Alfa AS", "orgnr": "912345602", "fund": "naeringsfond", "year": year,
         "amount": 150_000, "title": "Alfa varmepumpe", "summary": SUMMARY["A"],
         "strategies": [{"code": "1B", "title": _measure(db, "1B-2").strategy.title},
                        {"code": "1C", "title": _measure(db, "1C-6").strategy.title},
                        {"code": "5C", "title": _measure(db, "5C-2").strategy.title}],
         "measures": [{"code": "1B-2", "text": _measure(db, "1B-2").text},
                      {"code": "1C-6", "text": _measure(db, "1C-6").text},
                      {"code": "5C-2", "text": _measure(db, "5C-2").text}]},
        {"recipient": "Beta AS", "orgnr": "912345610", "fund": "naeringsfond", "year": year,
         "amount": 90_000, "title": "Beta bakeri", "summary": SUMMARY["B"],
         "strategies": [{"code": "1C", "title": _measure(db, "1C-6").strategy.title}],
         "measures": [{"code": "1C-6", "text": _measure(db, "1C-6").text}]},
    ]
    assert data["totals"] == {"grants": 2, "amount": 240_000}
    assert data["areas_add_up"] is False
    by_code = {a["code"]: (a["grants"], a["amount"]) for a in data["areas"]}
    assert by_code == {"1": (2, 240_000), "2": (0, 0), "3": (0, 0), "4": (0, 0),
                       "5": (1, 150_000)}
    html = html_of(client.get("/tilskudd-tildelt"))
    for grant in data["grants"]:
        card = html.split(grant["title"], 1)[1].split("</li>\n    \n", 1)[0]
        assert grant["recipient"] in card and grant["orgnr"] in card
        assert f"kr {grant['amount']:,}".replace(",", " ") in card
        for measure in grant["measures"]:
            assert measure["code"] in card
    assert SECRET not in str(data)


def test_the_json_lists_open_and_coming_calls_with_their_deadlines(client, db, granted):  # noqa: F811
    from datetime import timedelta

    from tests.helpers import make_call
    open_call = make_call(title="Åpen runde", closes_in=timedelta(days=10))
    coming = make_call(title="Neste runde", opens_in=timedelta(days=20),
                       closes_in=timedelta(days=60))
    archived = make_call(title="Arkivert runde")
    archived.review_closed_at = archived.archived_at = archived.opens_at
    db.session.commit()
    calls = {c["title"]: c for c in client.get("/api/tilskudd").get_json()["calls"]}
    assert set(calls) == {"Åpen runde", "Neste runde"}  # the decided call is closed
    assert calls["Åpen runde"]["state"] == "open"
    assert calls["Neste runde"]["state"] == "planned"
    for call, row in ((open_call, calls["Åpen runde"]), (coming, calls["Neste runde"])):
        assert datetime.fromisoformat(row["closes_at"]) == call.closes_at
        assert datetime.fromisoformat(row["opens_at"]) == call.opens_at
        assert row["closes_at"].endswith("+00:00")


def test_filters_by_year_and_fund(client, db, granted):  # noqa: F811
    _prepare(db, granted)
    year = granted.decided.call.year
    assert len(client.get(f"/api/tilskudd?aar={year}&fond=naeringsfond").get_json()["grants"]) == 2
    assert client.get(f"/api/tilskudd?aar={year - 1}").get_json()["grants"] == []
    data = client.get("/api/tilskudd?fond=klimafond").get_json()
    assert data["grants"] == [] and data["totals"] == {"grants": 0, "amount": 0}
    html = html_of(client.get(f"/tilskudd-tildelt?aar={year - 1}"))
    assert "Alfa AS" not in html and "Ingen tilskudd er tildelt" in html


def test_junk_filters_give_the_whole_list_and_a_message(client, db, granted):  # noqa: F811
    _prepare(db, granted)
    for query in ("aar=abc", "aar=99999999999999999999", "aar=-2027", "aar=1899",
                  "aar=２０２７", "fond=kraftfond", "fond=" + "x" * 5000,
                  "aar=%00", "aar=2027&aar=x", "fond[]=1"):
        response = client.get(f"/tilskudd-tildelt?{query}")
        assert response.status_code == 200, query
        data = client.get(f"/api/tilskudd?{query}")
        assert data.status_code == 200, query
        if "fond[]" not in query and "aar=2027&" not in query:
            assert "ikke gyldig" in html_of(response), query
            assert data.get_json()["warnings"], query
            assert len(data.get_json()["grants"]) == 2, query


def _more_grants(db, granted, count):  # noqa: F811
    call = granted.decided.call
    for number in range(count):
        user = make_user(f"ekstra{number}@example.no")
        org = make_organisation(user, orgnr=f"9100000{number:02d}", name=f"Ekstra {number} AS")
        application = make_application(call, org, user, title=f"Ekstra {number}",
                                       state="submitted")
        decision = Decision(application_id=application.id, outcome=Outcome.GRANTED,
                            amount=10_000, decided_on=date(2027, 5, 10),
                            decided_by_id=granted.lene.id, meeting_id=granted.decided.meeting.id)
        db.session.add(decision)
        db.session.flush()
        _send(db, decision, datetime(2027, 5, 11, 9, 0, tzinfo=UTC))
        _confirm(db, application, granted.sara, "2A-1" if number % 2 else "1B-2", "3B-2")
    db.session.commit()


def _count(client):
    counts = []
    for path in ("/tilskudd-tildelt", "/api/tilskudd"):
        with count_queries() as counted:
            assert client.get(path).status_code == 200
        counts.append(counted.count)
    return counts


def test_the_query_count_does_not_grow_with_the_grants(client, db, granted):  # noqa: F811
    _prepare(db, granted)
    two = _count(client)
    _more_grants(db, granted, 4)
    assert len(client.get("/api/tilskudd").get_json()["grants"]) == 6
    assert _count(client) == two


def test_the_call_list_and_the_footer_link_to_the_public_list(client, db):
    html = html_of(client.get("/"))
    assert html.count('href="/tilskudd-tildelt"') == 2  # the call list and the footer
    assert client.get("/tilskudd-tildelt").status_code == 200  # an empty list, still a page


def test_the_list_and_the_json_come_a_page_at_a_time_and_add_up_to_every_grant(
        client, db, granted, monkeypatch):  # noqa: F811
    """Every grant of every year was one page of 10 MB at national scale (issue 14): the
    page shows a page of grants under the figures of them all, and the JSON gives the
    address of its next page; followed, they give every grant once, in the list's order."""
    _prepare(db, granted)
    _more_grants(db, granted, 4)
    everything = [g["title"] for g in client.get("/api/tilskudd").get_json()["grants"]]
    assert len(everything) == 6
    monkeypatch.setattr("fund.reports.views.PAGE_SIZE", 4)
    monkeypatch.setattr("fund.reports.views.JSON_PAGE_SIZE", 4)
    first = html_of(client.get("/tilskudd-tildelt"))
    assert "Side 1 av 2" in first and "Forrige side" not in first
    assert 'id="total-grants">6<' in first  # the figures are of every grant
    second = html_of(client.get("/tilskudd-tildelt?side=2"))
    assert "Side 2 av 2" in second and "Neste side" not in second
    shown = [t for t in everything if f">{t}</h3>" in _grants(first)]
    shown += [t for t in everything if f">{t}</h3>" in _grants(second)]
    assert sorted(shown) == sorted(everything) and len(shown) == 6
    assert 'href="/tilskudd-tildelt?side=2"' in first
    # junk, or a page past the end: the first page, or the last, never an error
    assert _grants(html_of(client.get("/tilskudd-tildelt?side=x"))) == _grants(first)
    assert "Side 2 av 2" in html_of(client.get("/tilskudd-tildelt?side=99"))
    pages, address = [], "/api/tilskudd"
    while address:
        data = client.get(address).get_json()
        pages.append([g["title"] for g in data["grants"]])
        address = data["next"] and data["next"].split("://", 1)[1].split("/", 1)[1]
        address = address and "/" + address
    assert [len(p) for p in pages] == [4, 2] and sum(pages, []) == everything
