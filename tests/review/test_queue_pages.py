"""The queue and the applicant's dashboard at size: every filter and every page in a
constant number of statements, pages that add up to the whole, the inhabil left out and
counted, and the rules column from what the last submission stored (issue 14)."""

import re
from datetime import timedelta

import pytest

from fund.applications.models import (
    ApplicationState,
    EligibilityWarning,
    InfoRequest,
    Submission,
)
from fund.applications.rules import EligibilityRule
from fund.auth.models import Membership
from fund.calls.models import Fund
from fund.core.roles import Role
from fund.core.types import utcnow
from fund.extensions import db as _db
from fund.review.models import Assignment, ConflictDeclaration
from tests.helpers import (
    count_queries,
    html_of,
    login,
    make_application,
    make_call,
    make_organisation,
    make_user,
)

QUEUE = "/saksbehandling/soknader"


def _case_numbers(html: str) -> list[str]:
    """The case numbers of the queue's rows, in the page's order."""
    return re.findall(r'<a class="ds-link" href="/saksbehandling/soknader/\d+">([^<]+)</a>',
                      html)


def _received(call, org, user, count, start=0, **fields):
    made = []
    for i in range(start, start + count):
        made.append(make_application(
            call, org, user, title=f"Søknad {i:03d}", state=ApplicationState.SUBMITTED,
            case_number=f"NF-{call.year}-{i + 1:04d}",
            submitted_at=call.opens_at + timedelta(minutes=i), amount_applied=1000 + i,
            eligibility_failures=i % 2, **fields))
    return made


@pytest.fixture
def queue(db):
    applicant = make_user("soker@example.no")
    org = make_organisation(applicant)
    call = make_call(budget=300_000)
    caseworker = make_user("sara@example.no", Role.CASEWORKER, name="Sara")
    applications = _received(call, org, applicant, 3)
    _db.session.add(Assignment(application=applications[0], caseworker=caseworker))
    _db.session.commit()
    return call, org, applicant, caseworker, applications


PATHS = ("", "?side=2", "?side=3&rader=25", "?fond=naeringsfond", "?strategi=1B",
         "?tiltak=1B-2", "?tiltak=1B", "?mine=1", "?uvurdert=1", "?vilkar=1",
         "?status=submitted", "?sorter=eldst", "?sorter=belop&side=2", "?sorter=tittel",
         "?utlysning={call}", "?utlysning={call}&vilkar=1&mine=1&side=2",
         # the links' pages: from a row, forwards and backwards, in each sort
         "?side=2&etter={first}", "?side=3&foran={first}", "?sorter=belop&side=2&etter={first}",
         "?sorter=tittel&side=4&foran={first}&mine=1", "?sorter=eldst&side=2&etter={first}")


def test_every_filter_and_page_of_the_queue_runs_a_constant_number_of_queries(
        client, queue):
    call, org, applicant, caseworker, applications = queue
    login(client, caseworker)
    few = {}
    for path in PATHS:
        path = QUEUE + path.format(call=call.id, first=applications[1].id)
        client.get(path)
        with count_queries() as counted:
            assert client.get(path).status_code == 200
        few[path] = counted.count
    more = _received(call, org, applicant, 150, start=3)
    for application in more[::3]:
        _db.session.add(Assignment(application=application, caseworker=caseworker))
    _db.session.commit()
    for path, count in few.items():
        with count_queries() as counted:
            html = html_of(client.get(path))
        assert counted.count == count, path
        assert "Søknad" in html, path


def test_the_same_filters_with_other_values_find_their_own_applications(app, client, queue):
    """The queue's statements are kept for each combination of filters (issue 14): the
    next reader, call or status in the same combination gets their own rows."""
    call, org, applicant, caseworker, applications = queue
    other_call = make_call(title="Klimafondet", fund=Fund.KLIMAFOND)
    elsewhere = make_application(
        other_call, org, applicant, title="Søknad i klimafondet",
        state=ApplicationState.SUBMITTED, case_number=f"KF-{other_call.year}-0001",
        submitted_at=other_call.opens_at)
    sverre = make_user("sverre@example.no", Role.CASEWORKER, name="Sverre")
    _db.session.add(Assignment(application=applications[1], caseworker=sverre))
    _db.session.commit()
    other = app.test_client()
    login(client, caseworker)
    login(other, sverre)
    for _ in range(2):  # the second round reads the kept statements
        assert _case_numbers(html_of(client.get(f"{QUEUE}?mine=1"))) == [
            applications[0].case_number]
        assert _case_numbers(html_of(other.get(f"{QUEUE}?mine=1"))) == [
            applications[1].case_number]
        assert _case_numbers(html_of(client.get(f"{QUEUE}?utlysning={other_call.id}"))) == [
            elsewhere.case_number]
        assert elsewhere.case_number not in _case_numbers(
            html_of(client.get(f"{QUEUE}?utlysning={call.id}")))
        assert _case_numbers(html_of(client.get(f"{QUEUE}?status=info_requested"))) == []
        assert len(_case_numbers(html_of(client.get(f"{QUEUE}?status=submitted")))) == 4


def test_the_pages_of_the_queue_add_up_to_the_visible_applications_in_order(client, queue):
    call, org, applicant, caseworker, applications = queue
    applications += _received(call, org, applicant, 57, start=3)
    # Sara is a member of another applicant organisation: its two applications do not
    # exist for her, not even as rows of a page, and are counted as hidden
    own = make_organisation(caseworker, orgnr="912345637", name="Saras Lag")
    hidden = _received(call, own, caseworker, 2, start=60)
    _db.session.commit()
    login(client, caseworker)
    newest_first = [a.case_number for a in sorted(
        applications, key=lambda a: (a.submitted_at, a.id), reverse=True)]
    seen = []
    for page in (1, 2, 3):
        html = html_of(client.get(f"{QUEUE}?rader=25&side={page}"))
        seen += _case_numbers(html)
        assert ("Neste side" in html) == (page < 3)
        assert ("Forrige side" in html) == (page > 1)
        assert "2 søknader vises ikke fordi du er inhabil." in html
    assert seen == newest_first
    assert not {a.case_number for a in hidden} & set(seen)
    # past the last page: no rows, the way back
    beyond = html_of(client.get(f"{QUEUE}?rader=25&side=9"))
    assert _case_numbers(beyond) == [] and "Forrige side" in beyond
    # the other sorts, page by page, give the same applications in their own order
    for sort, key, reverse in (("eldst", lambda a: (a.submitted_at, a.id), False),
                               ("belop", lambda a: (a.amount_applied, a.id), True),
                               ("tittel", lambda a: (a.title, a.id), False)):
        pages = [_case_numbers(html_of(client.get(f"{QUEUE}?sorter={sort}&rader=25&side={p}")))
                 for p in (1, 2, 3)]
        assert sum(pages, []) == [a.case_number for a in sorted(applications, key=key,
                                                                reverse=reverse)], sort


_NEXT = re.compile(r'<a class="ds-link" href="([^"]+)">Neste side')
_PREVIOUS = re.compile(r'<a class="ds-link" href="([^"]+)">← Forrige side')


def _link(pattern: re.Pattern, html: str) -> str | None:
    found = pattern.search(html)
    return found[1].replace("&amp;", "&") if found else None


def test_following_the_links_pages_through_every_visible_application_once(client, queue):
    """«Neste side» starts from the page's last row, so a deep page costs no more than the
    first (issue 14); following it gives every application once, in each sort's order,
    and «Forrige side» gives the same pages back."""
    call, org, applicant, caseworker, applications = queue
    applications += _received(call, org, applicant, 57, start=3)
    # ties on the sort's column are broken by the id, on both sides of a page's edge
    for application in applications[20:30]:
        application.submitted_at = applications[20].submitted_at
        application.amount_applied = 5000
        application.title = "Samme tittel"
    own = make_organisation(caseworker, orgnr="912345637", name="Saras Lag")
    hidden = _received(call, own, caseworker, 2, start=60)
    _db.session.commit()
    login(client, caseworker)
    for sort, key, reverse in (("innsendt", lambda a: (a.submitted_at, a.id), True),
                               ("eldst", lambda a: (a.submitted_at, a.id), False),
                               ("belop", lambda a: (a.amount_applied, a.id), True),
                               ("tittel", lambda a: (a.title, a.id), False)):
        path, pages, addresses = f"{QUEUE}?sorter={sort}&rader=25", [], []
        while path:
            html = html_of(client.get(path))
            assert f"Side {len(pages) + 1}" in html, (sort, path)
            addresses.append(path)
            pages.append(_case_numbers(html))
            path = _link(_NEXT, html)
        assert len(pages) == 3
        assert "etter=" in addresses[2], "the third page is found from a row"
        assert sum(pages, []) == [a.case_number for a in sorted(applications, key=key,
                                                                reverse=reverse)], sort
        assert not {a.case_number for a in hidden} & set(sum(pages, []))
        # and back: each «Forrige side» is the page before, the same rows
        html = html_of(client.get(addresses[2]))
        for number in (2, 1):
            back = _link(_PREVIOUS, html)
            html = html_of(client.get(back))
            assert _case_numbers(html) == pages[number - 1], (sort, number, back)
            assert f"Side {number}" in html
        assert _link(_PREVIOUS, html) is None
    assert "foran=" in back or back.endswith("side=1") or "side=1&" in back


def test_a_page_from_a_row_the_reader_may_not_see_tells_nothing_of_it(client, queue):
    """A link's row is an application the reader could see. Any other (one they are
    inhabil in, a draft, one that does not exist, junk) gives the page by its number, so
    where the rows start tells nothing of it."""
    call, org, applicant, caseworker, applications = queue
    applications += _received(call, org, applicant, 57, start=3)
    own = make_organisation(caseworker, orgnr="912345637", name="Saras Lag")
    hidden = _received(call, own, caseworker, 1, start=60)[0]
    draft = make_application(call, org, applicant, complete=False, title="Et utkast")
    # both rank in the middle of the second page: a page from either would start there
    hidden.amount_applied, draft.amount_applied = 1030, 1031
    _db.session.commit()
    login(client, caseworker)
    by_number = _case_numbers(html_of(client.get(f"{QUEUE}?sorter=belop&rader=25&side=2")))
    assert len(by_number) == 25
    for row in (hidden.id, draft.id, 99_999_999, "x", "-1", "9" * 30):
        for arrow in ("etter", "foran"):
            html = html_of(client.get(f"{QUEUE}?sorter=belop&rader=25&side=2&{arrow}={row}"))
            assert _case_numbers(html) == by_number, (arrow, row)
    # a visible one is a row to start from (the one that ranks right after it comes first)
    visible = applications[40]
    html = html_of(client.get(f"{QUEUE}?sorter=belop&rader=25&side=2&etter={visible.id}"))
    below = sorted((a for a in applications if a.amount_applied < visible.amount_applied),
                   key=lambda a: (a.amount_applied, a.id), reverse=True)
    assert _case_numbers(html) == [a.case_number for a in below[:25]]


def test_a_declared_inhabil_case_is_neither_shown_nor_counted_for_other_filters(
        client, queue):
    call, org, applicant, caseworker, (first, second, third) = queue
    _db.session.add(ConflictDeclaration(application=second, caseworker=caseworker,
                                        disqualified=True, ground="family"))
    _db.session.commit()
    login(client, caseworker)
    everything = html_of(client.get(QUEUE))
    assert _case_numbers(everything) == [third.case_number, first.case_number]
    assert "1 søknad vises ikke fordi du er inhabil." in everything
    # assigned to her is only the first: the inhabil one does not match, so is not counted
    mine = html_of(client.get(f"{QUEUE}?mine=1"))
    assert _case_numbers(mine) == [first.case_number] and "vises ikke" not in mine


def test_the_rules_column_shows_what_the_last_submission_stored(client, queue):
    call, org, applicant, caseworker, (first, second, third) = queue
    for number, message in ((1, "Gammel melding."), (2, "Organisasjonen må høre hjemme "
                                                        "i Lillestrøm.")):
        _db.session.add(Submission(
            application=second, number=number, submitted_at=utcnow(),
            submitted_by_id=applicant.id, snapshot={}, warnings=[EligibilityWarning(
                rule=EligibilityRule.MUNICIPALITY, message=message)]))
    second.eligibility_failures = 1
    first.eligibility_failures = 0
    third.eligibility_failures = None  # submitted before the count was stored
    _db.session.commit()
    login(client, caseworker)
    html = html_of(client.get(QUEUE))
    row = {n: html[html.index(n):] for n in (first.case_number, second.case_number,
                                              third.case_number)}
    row = {n: text[:text.index("</tr>")] for n, text in row.items()}
    assert "1 brudd" in row[second.case_number]
    assert "Organisasjonen må høre hjemme i Lillestrøm." in row[second.case_number]
    assert "Gammel melding." not in html
    assert ">OK<" in row[first.case_number] and "brudd" not in row[first.case_number]
    assert "brudd" not in row[third.case_number] and ">OK<" not in row[third.case_number]


# The applicant's dashboard ----------------------------------------------------------------

@pytest.fixture
def many_applications(db):
    applicant = make_user("soker@example.no")
    org = make_organisation(applicant)
    empty = make_organisation(applicant, orgnr="912345637", name="Tomt Lag")
    call = make_call()
    received = _received(call, org, applicant, 52)
    draft = make_application(call, org, applicant, complete=False, title="Mitt utkast")
    waiting = make_application(call, org, applicant, title="Venter på svar",
                               state=ApplicationState.INFO_REQUESTED,
                               case_number=f"NF-{call.year}-0999")
    _db.session.add(InfoRequest(application=waiting, requested_by_id=applicant.id,
                                message="Send budsjettet.",
                                answer_by=(utcnow() + timedelta(days=14)).date()))
    # the received ones were changed most recently, yet what waits for the applicant
    # comes first
    for application in received:
        application.updated_at = utcnow() + timedelta(minutes=1)
    _db.session.commit()
    return applicant, org, empty, received, draft, waiting


def _dashboard_titles(html: str) -> list[str]:
    return re.findall(r'<a class="ds-link" href="/soknader/\d+">([^<]+)</a><', html)


def test_the_dashboard_is_paged_with_what_waits_for_the_applicant_first(
        client, many_applications):
    applicant, org, empty, received, draft, waiting = many_applications
    login(client, applicant)
    first = html_of(client.get("/soknader"))
    titles = _dashboard_titles(first)
    assert titles[:2] == ["Venter på svar", "Mitt utkast"] and len(titles) == 50
    assert "Side 1 av 2" in first and 'href="/soknader?side=2"' in first
    assert "Forrige side" not in first
    # an organisation without applications still says so
    assert "Tomt Lag" in first and "Ingen søknader ennå." in first
    second = html_of(client.get("/soknader?side=2"))
    rest = _dashboard_titles(second)
    assert len(rest) == 4 and not set(rest) & set(titles)
    assert set(titles + rest) == {a.title for a in received} | {draft.title, waiting.title}
    assert "Neste side" not in second and 'href="/soknader?side=1"' in second
    assert "Tomt Lag" not in second  # said once, on the first page
    # junk or a page past the end shows the last page, never an error
    assert _dashboard_titles(html_of(client.get("/soknader?side=99"))) == rest
    assert _dashboard_titles(html_of(client.get("/soknader?side=x"))) == titles


def test_every_page_of_the_dashboard_runs_the_same_number_of_queries(
        client, many_applications):
    applicant, org, empty, received, draft, waiting = many_applications
    login(client, applicant)
    counts = []
    for path in ("/soknader", "/soknader?side=2"):
        client.get(path)
        with count_queries() as counted:
            client.get(path)
        counts.append(counted.count)
    call = received[0].call
    _received(call, org, applicant, 60, start=100)
    for i in range(20):
        make_application(call, org, applicant, complete=False, title=f"Utkast {i}")
    _db.session.commit()
    for path in ("/soknader", "/soknader?side=3"):
        with count_queries() as counted:
            client.get(path)
        counts.append(counted.count)
    assert len(set(counts)) == 1, counts


def test_a_page_of_the_dashboard_is_read_from_its_index_in_order(app, many_applications):
    """The dashboard's query orders by the index's own expression, so PostgreSQL reads
    a page from the index in order instead of sorting all of the organisation's
    applications (with sorting made dear, so that the plan shows that the index is usable
    even for a table this small). SQLite has no such index."""
    from sqlalchemy import event

    if _db.engine.dialect.name != "postgresql":
        pytest.skip("PostgreSQL's index (SQLite's databases are small)")

    from fund.applications.queries import dashboard
    # a member of the one organisation (the fixture's applicant has two: then the rows of
    # both are merged and sorted)
    applicant, org = make_user("en@example.no"), many_applications[1]
    _db.session.add(Membership(user=applicant, organisation=org))
    _db.session.flush()
    seen = []

    def capture(conn, cursor, statement, parameters, context, executemany):
        # the page's statement (the organisations' one counts applications, unpaged)
        if "ORDER BY" in statement and "FROM applications" in statement \
                and "LIMIT" in statement:
            seen.append((statement, parameters))

    event.listen(_db.engine, "before_cursor_execute", capture)
    try:
        dashboard(applicant, page=2)
    finally:
        event.remove(_db.engine, "before_cursor_execute", capture)
    statement, parameters = seen[0]
    connection = _db.session.connection()
    connection.exec_driver_sql("SET LOCAL enable_sort = off")
    plan = "\n".join(connection.exec_driver_sql("EXPLAIN " + statement, parameters).scalars())
    assert "ix_applications_dashboard" in plan and "Sort" not in plan, plan
    _db.session.rollback()


def test_a_member_who_is_also_a_caseworker_never_sees_the_organisations_cases(client, queue):
    call, org, applicant, caseworker, applications = queue
    _db.session.add(Membership(user=caseworker, organisation=org))
    _db.session.commit()
    login(client, caseworker)
    html = html_of(client.get(QUEUE))
    assert _case_numbers(html) == []
    assert "3 søknader vises ikke fordi du er inhabil." in html
    for path in ("?mine=1", "?vilkar=1", "?side=2"):
        assert not _case_numbers(html_of(client.get(QUEUE + path))), path
