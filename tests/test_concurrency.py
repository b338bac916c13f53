"""Many requests at once, against the served app over HTTP, on SQLite and PostgreSQL:
nobody gets a server error, and nothing is lost or done twice."""

import itertools
import re
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from datetime import date, timedelta

from sqlalchemy import func, select

from fund.applications.models import Application, ApplicationState, Submission
from fund.audit.models import AuditEvent
from fund.auth.models import User
from fund.core.roles import Role
from fund.core.types import utcnow
from fund.extensions import db as _db
from tests.helpers import make_application, make_call, make_organisation, make_user
from tests.served import at_once

_numbers = itertools.count(1)


def unique(prefix: str) -> str:
    return f"{prefix}-{next(_numbers)}"


def _valid_orgnrs():
    """Valid organisasjonsnumre (MOD11), one after another."""
    weights = (3, 2, 7, 6, 5, 4, 3, 2)
    for n in itertools.count(1000):
        body = f"9{n:07d}"
        remainder = sum(int(d) * w for d, w in zip(body, weights, strict=True)) % 11
        check = 0 if remainder == 0 else 11 - remainder
        if check != 10:
            yield body + str(check)


_orgnrs = _valid_orgnrs()


def orgnr() -> str:
    return next(_orgnrs)


def applicants_with_drafts(served, count: int, **call_fields):
    """``count`` applicants, each with their own organisation and a complete draft in one
    open call. Returns [(email, application id)], and the call's year."""
    with served.database():
        call = make_call(year=2090 + next(_numbers) % 9, **call_fields)
        drafts = []
        for _ in range(count):
            user = make_user(unique("soker") + "@example.no")
            org = make_organisation(user, orgnr=orgnr(), name=unique("Firma"))
            drafts.append((user.email, make_application(call, org, user).id))
        year = call.year
    return drafts, year


def submit(served, email: str, application_id: int, **extra):
    browser = served.browser().login(email)
    path = f"/soknader/{application_id}/send-inn"
    page = browser.get(path).text
    version = re.search(r'name="version"[^>]*value="(\d+)"', page).group(1)
    return lambda: browser.post_form(path, {"version": version, "confirm": "y", **extra},
                                     form_page=path)


def test_applicants_who_submit_at_the_same_moment_all_get_their_own_number(served):
    drafts, year = applicants_with_drafts(served, 8)
    calls = [submit(served, email, application_id) for email, application_id in drafts]

    responses = at_once(calls)

    assert [r.status_code for r in responses] == [302] * len(drafts), \
        [r.text[:300] for r in responses if r.status_code != 302]
    assert all(r.headers["Location"].endswith("/kvittering") for r in responses)
    with served.database() as session:
        numbers = session.scalars(select(Application.case_number).where(
            Application.id.in_([a for _e, a in drafts]))).all()
        states = set(session.scalars(select(Application.state).where(
            Application.id.in_([a for _e, a in drafts]))))
    assert states == {ApplicationState.SUBMITTED}
    assert sorted(numbers) == [f"NF-{year}-{n:04d}" for n in range(1, len(drafts) + 1)]


def test_a_rush_across_the_deadline_accepts_each_before_it_once_and_keeps_the_rest(served):
    """Thirty applicants press «Send inn» in the seconds before and around the deadline,
    twelve at a time: each one before it is in with a number of its own, each one after it is told
    the deadline has passed and keeps the draft, and nobody sees a server error."""
    drafts, year = applicants_with_drafts(served, 30, closes_in=timedelta(minutes=5))
    calls = [submit(served, email, application_id) for email, application_id in drafts]
    with served.database() as session:
        call = session.get(Application, drafts[0][1]).call
        deadline = utcnow() + timedelta(seconds=5)
        call.closes_at = deadline
        session.commit()

    start = time.monotonic()

    def at(delay: float, press):
        def run():
            time.sleep(max(0.0, start + delay - time.monotonic()))
            return press(), utcnow()
        return run

    with ThreadPoolExecutor(max_workers=12) as pool:
        # half in the first 1.5 s, well before the deadline; the rest from 1 s before it
        # until 1.5 s after it, so some are surely late and some are processed right at it
        half = len(calls) // 2
        results = list(pool.map(lambda run: run(), [
            at(1.5 * i / half if i < half else 4 + 2.5 * (i - half) / (len(calls) - half),
               press) for i, press in enumerate(calls)]))

    statuses = Counter(response.status_code for response, _when in results)
    assert set(statuses) <= {200, 302}, statuses
    accepted = [a for (response, _), (_e, a) in zip(results, drafts, strict=True)
                if response.status_code == 302]
    refused = [(response, a) for (response, _), (_e, a) in zip(results, drafts, strict=True)
               if response.status_code == 200]
    assert accepted and refused, statuses
    assert all("Søknadsfristen gikk ut" in response.text for response, _a in refused)
    with served.database() as session:
        rows = {a.id: a for a in session.scalars(select(Application).where(
            Application.id.in_([a for _e, a in drafts])))}
        submissions = Counter(session.scalars(select(Submission.application_id).where(
            Submission.application_id.in_(list(rows)))))
        for application_id in accepted:
            assert rows[application_id].state == ApplicationState.SUBMITTED
            assert rows[application_id].submitted_at.replace(tzinfo=None) \
                < deadline.replace(tzinfo=None)
            assert submissions[application_id] == 1
        for _response, application_id in refused:
            assert rows[application_id].state == ApplicationState.DRAFT
            assert rows[application_id].case_number is None
            assert submissions[application_id] == 0
        numbers = sorted(rows[a].case_number for a in accepted)
    assert numbers == [f"NF-{year}-{n:04d}" for n in range(1, len(accepted) + 1)]


def test_twenty_clicks_on_send_submit_once_and_nobody_sees_an_error(served):
    [(email, application_id)], _year = applicants_with_drafts(served, 1)
    click = submit(served, email, application_id)

    responses = at_once([click] * 20)

    assert Counter(r.status_code for r in responses) == {302: 20}
    with served.database() as session:
        assert session.scalar(select(func.count()).select_from(Submission).where(
            Submission.application_id == application_id)) == 1
        assert session.scalar(select(func.count()).select_from(AuditEvent).where(
            AuditEvent.action == "application.submitted",
            AuditEvent.object_id == application_id)) == 1


def test_many_people_logging_in_at_once_all_get_in(served):
    with served.database():
        emails = [make_user(unique("person") + "@example.no").email for _ in range(24)]
    browsers = [served.browser() for _ in emails]
    for browser in browsers:
        browser.csrf_token("/logg-inn")  # the session cookie, as a browser has it

    def login(browser, email):
        from tests.helpers import PASSWORD
        token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"',
                          browser.get("/logg-inn").text).group(1)
        return lambda: browser.post("/logg-inn", data={
            "csrf_token": token, "email": email, "password": PASSWORD})

    responses = at_once([login(b, e) for b, e in zip(browsers, emails, strict=True)])

    assert Counter(r.status_code for r in responses) == {302: len(emails)}


def test_two_members_autosaving_the_same_version_lose_nothing_silently(served):
    with served.database():
        first = make_user(unique("medlem") + "@example.no")
        second = make_user(unique("medlem") + "@example.no")
        org = make_organisation(first, second, orgnr=orgnr(), name=unique("Lag"))
        application = make_application(make_call(year=2099), org, first)
        application_id, version = application.id, application.version
        emails = (first.email, second.email)
    browsers = [served.browser().login(email) for email in emails * 6]
    path = f"/soknader/{application_id}/autolagre"
    tokens = [b.csrf_token(f"/soknader/{application_id}") for b in browsers]

    responses = at_once([
        (lambda b=b, t=t, i=i: b.post(path, data={
            "csrf_token": t, "version": str(version), "title": f"Tittel nummer {i}"}))
        for i, (b, t) in enumerate(zip(browsers, tokens, strict=True))])

    codes = Counter(r.status_code for r in responses)
    assert set(codes) <= {200, 409} and codes[200] >= 1, codes
    saved = [r.json() for r in responses if r.status_code == 200]
    refused = [r.json() for r in responses if r.status_code == 409]
    assert all(body["stale"] for body in refused)
    with served.database() as session:
        stored = session.get(Application, application_id)
        # The one save that won is what is stored; every other one was told to reload.
        assert len(saved) == 1 and stored.version == saved[0]["version"]
        assert re.fullmatch(r"Tittel nummer \d+", stored.title)


def test_two_admins_who_demote_each_other_at_once_leave_one_admin(served):
    with served.database():
        admins = [make_user(unique("admin") + "@example.no", Role.ADMIN) for _ in range(2)]
        # Only these two are admins: the others from earlier tests step down first.
        for user in _db.session.scalars(select(User).where(
                User.role == Role.ADMIN, User.id.not_in([a.id for a in admins]))):
            user.role = Role.CASEWORKER
        ids, emails = [a.id for a in admins], [a.email for a in admins]
    browsers = [served.browser().login(email) for email in emails]
    tokens = [b.csrf_token(f"/admin/brukere/{ids[1 - i]}") for i, b in enumerate(browsers)]

    responses = at_once([
        (lambda b=b, t=t, other=ids[1 - i]: b.post(f"/admin/brukere/{other}", data={
            "csrf_token": t, "role": "caseworker", "active": "y"}))
        for i, (b, t) in enumerate(zip(browsers, tokens, strict=True))])

    # One wins; the other is refused (the last admin) or is no longer an admin at all.
    assert all(r.status_code in (200, 302, 403) for r in responses), \
        [(r.status_code, r.text[:300]) for r in responses]
    with served.database() as session:
        assert session.scalar(select(func.count()).select_from(User).where(
            User.role == Role.ADMIN, User.active.is_(True))) == 1


def test_thirty_guesses_at_once_get_at_most_five_password_checks(served):
    with served.database():
        email = make_user(unique("offer") + "@example.no").email
    browsers = [served.browser() for _ in range(30)]
    for browser in browsers:  # one attacker, thirty connections
        browser.headers["X-Forwarded-For"] = "203.0.113.99"
    tokens = [b.csrf_token("/logg-inn") for b in browsers]

    responses = at_once([
        (lambda b=b, t=t: b.post("/logg-inn", data={
            "csrf_token": t, "email": email, "password": "feil-passord-1234"}))
        for b, t in zip(browsers, tokens, strict=True)])

    codes = Counter(r.status_code for r in responses)
    assert set(codes) <= {200, 429}, codes
    with served.database() as session:
        checked = session.scalar(select(func.count()).select_from(AuditEvent).where(
            AuditEvent.action == "user.login_failed",
            AuditEvent.details["email"].as_string() == email))
    assert checked == codes[200] <= 5


def test_ten_answers_to_one_information_request_at_once_make_one_submission(served):
    from fund.applications.models import InfoRequest
    from fund.applications.operations import submit as submit_now
    [(email, application_id)], _year = applicants_with_drafts(served, 1)
    with served.database() as session:
        application = session.get(Application, application_id)
        submit_now(application, application.created_by)
        caseworker = make_user(unique("saksbehandler") + "@example.no", Role.CASEWORKER)
        application.info_requests.append(InfoRequest(
            requested_by=caseworker, message="Send budsjettet.",
            answer_by=date.today() + timedelta(days=14)))
        application.state = ApplicationState.INFO_REQUESTED
    answer = submit(served, email, application_id, reply="Budsjettet er lagt inn.")

    responses = at_once([answer] * 10)

    assert Counter(r.status_code for r in responses) == {302: 10}
    with served.database() as session:
        assert session.scalar(select(func.count()).select_from(Submission).where(
            Submission.application_id == application_id)) == 2
        assert session.get(Application, application_id).state == ApplicationState.SUBMITTED


def test_closing_the_review_while_caseworkers_save_freezes_exactly_what_was_saved(served):
    """Each save either lands before the review is closed, and is in the frozen
    innstilling, or is refused; never saved after the innstilling was taken."""

    from fund.calls.models import Call
    from fund.core.types import utcnow
    from fund.review.models import ConflictDeclaration, FrozenRanking
    from fund.review.ranking import ranking
    drafts, _year = applicants_with_drafts(served, 6)
    with served.database() as session:
        from fund.applications.operations import submit as submit_now
        for _email, application_id in drafts:
            application = session.get(Application, application_id)
            submit_now(application, application.created_by)
            application.organisation.verified_at = utcnow()
        call = session.get(Application, drafts[0][1]).call
        call.closes_at = utcnow() - timedelta(minutes=1)
        call.opens_at = utcnow() - timedelta(days=1)
        call_id, criteria = call.id, [c.id for c in call.criteria]
        manager = make_user(unique("leder") + "@example.no", Role.MANAGER).email
        caseworkers = []
        for _email, application_id in drafts:
            worker = make_user(unique("saksbehandler") + "@example.no", Role.CASEWORKER)
            session.add(ConflictDeclaration(application_id=application_id,
                                            caseworker=worker, disqualified=False))
            caseworkers.append((worker.email, application_id))
    closer = served.browser().login(manager)
    close_token = closer.csrf_token(f"/saksbehandling/utlysninger/{call_id}/avslutt")

    def saver(email, application_id, score):
        browser = served.browser().login(email)
        path = f"/saksbehandling/soknader/{application_id}/vurdering"
        token = browser.csrf_token(path)
        data = {"csrf_token": token, "version": "", "overall_comment": "Vurdert.",
                "recommended_amount": "100000", "recommendation": "approve", "complete": "1",
                **{f"score-{c}": str(score) for c in criteria}}
        return lambda: browser.post(path, data=data)

    calls = [saver(email, application_id, n % 6)
             for n, (email, application_id) in enumerate(caseworkers)]
    calls.insert(3, lambda: closer.post(f"/saksbehandling/utlysninger/{call_id}/avslutt",
                                        data={"csrf_token": close_token}))

    responses = at_once(calls)

    assert all(r.status_code in (200, 302, 409) for r in responses), \
        [(r.status_code, r.text[:300]) for r in responses if r.status_code >= 400]
    with served.database() as session:
        frozen = session.scalars(select(FrozenRanking).where(
            FrozenRanking.call_id == call_id)).one()
        live = {row.application_id: row.score
                for row in ranking(session.get(Call, call_id)).rows}
        assert {row.application_id: row.score for row in frozen.rows} == live


def test_two_mail_runs_at_once_send_each_message_once(served):
    """Cron's `flask mail send` and a request's own delivery may overlap."""
    import threading

    from fund.mail.models import OutboxMessage
    from fund.mail.operations import deliver_due
    from tests.helpers import SmtpServer
    server = SmtpServer()
    server.start()
    config = served.app.config
    saved = {name: config[name] for name in ("MAIL_BACKEND", "MAIL_SERVER", "MAIL_PORT")}
    config.update(MAIL_BACKEND="smtp", MAIL_SERVER="127.0.0.1", MAIL_PORT=server.port)
    try:
        with served.database() as session:
            subjects = [unique("Emne") for _ in range(12)]
            session.add_all([OutboxMessage(to_address="mottaker@example.no", subject=subject,
                                           body_text="Hei.") for subject in subjects])
        barrier = threading.Barrier(2)

        def run():
            with served.app.app_context():
                barrier.wait()
                deliver_due()

        threads = [threading.Thread(target=run) for _ in range(2)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
    finally:
        config.update(saved)
        server.stop()
    received = Counter(m["Subject"] for m in server.messages)
    assert {subject: received[subject] for subject in subjects} == dict.fromkeys(subjects, 1)


def test_drafts_started_at_the_same_moment_stay_within_the_limit(served):
    with served.database():
        user = make_user(unique("soker") + "@example.no")
        org = make_organisation(user, orgnr=orgnr(), name=unique("Firma"))
        call = make_call(year=2098)
        email, org_id, call_id = user.email, org.id, call.id
    browsers = [served.browser().login(email) for _ in range(6)]
    path = f"/utlysninger/{call_id}/soknad"
    tokens = [b.csrf_token(path) for b in browsers]

    responses = at_once([(lambda b=b, t=t: b.post(path, data={
        "csrf_token": t, "organisation": str(org_id)})) for b, t in zip(browsers, tokens,
                                                                        strict=True)])

    assert all(r.status_code == 302 for r in responses), [r.status_code for r in responses]
    with served.database() as session:
        drafts = session.scalar(select(func.count()).select_from(Application).where(
            Application.organisation_id == org_id, Application.call_id == call_id))
    assert drafts == served.app.config["MAX_DRAFTS_PER_ORGANISATION_AND_CALL"]


def test_caseworkers_completing_one_application_at_once_all_count_in_the_ranking(served):
    """Six caseworkers complete their assessments of the same application at the same
    moment: nobody sees an error, and the ranking's stored figures count all six, as the
    live assessments do (each refresh waits for the one before to commit)."""
    from fund.calls.models import Call
    from fund.review import figures
    from fund.review.models import AssessmentFigures, ConflictDeclaration
    drafts, _year = applicants_with_drafts(served, 1)
    application_id = drafts[0][1]
    with served.database() as session:
        from fund.applications.operations import submit as submit_now
        application = session.get(Application, application_id)
        submit_now(application, application.created_by)
        call = session.get(Call, application.call_id)
        call.closes_at = utcnow() - timedelta(minutes=1)
        call.opens_at = utcnow() - timedelta(days=1)
        criteria = [c.id for c in call.criteria]
        caseworkers = []
        for _ in range(6):
            worker = make_user(unique("saksbehandler") + "@example.no", Role.CASEWORKER)
            session.add(ConflictDeclaration(application_id=application_id,
                                            caseworker=worker, disqualified=False))
            caseworkers.append(worker.email)

    def completer(email, score):
        browser = served.browser().login(email)
        path = f"/saksbehandling/soknader/{application_id}/vurdering"
        token = browser.csrf_token(path)
        data = {"csrf_token": token, "version": "", "overall_comment": "Vurdert.",
                "recommended_amount": str(50_000 + 10_000 * score),
                "recommendation": "approve", "complete": "1",
                **{f"score-{c}": str(score) for c in criteria}}
        return lambda: browser.post(path, data=data)

    responses = at_once([completer(email, n % 6) for n, email in enumerate(caseworkers)])

    assert all(r.status_code in (200, 302) for r in responses), \
        [(r.status_code, r.text[:300]) for r in responses if r.status_code >= 300]
    with served.database() as session:
        stored = session.get(AssessmentFigures, application_id)
        live = figures.figures_of(session.execute(figures._counted(
            figures.Assessment.application_id == application_id)))
        assert stored is not None and stored.assessments == 6
        assert {column: getattr(stored, column) for column in live[0]} == live[0]
