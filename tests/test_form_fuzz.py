"""Every form, as every role that can reach it, posted with junk: never a server error.

The forms are found in the pages themselves (every GET route of tests/matrix.py), and
their fields read from the HTML as a browser reads them: inputs, selects and textareas,
dynamic names included (``score-<id>``, ``measure``, ``how-<id>``, row fields). Each form
is then posted with its own CSRF token: as the browser would, without any field, with
every field junk, with one junk value per field, with every field twice, with unknown
choices, and with each of its named submit buttons. The answer must be a redirect, or a
page (or JSON) that says what is wrong, in Norwegian; never a 5xx.
"""

import io
import re
from datetime import timedelta
from urllib.parse import urlsplit

import pytest
from werkzeug.datastructures import MultiDict

from fund.calls.models import Call
from fund.extensions import db as _db
from tests.helpers import declare, login, make_application, make_call
from tests.matrix import expand, routes
from tests.pageforms import Form, as_browser, collect_forms, forms_of

JUNK = [
    "",
    " ",
    "\x00\x01\x07\x1b[31m\x7f",  # control characters
    "x" * 100_000,
    "9" * 40,  # far beyond any integer column
    "-99999999999",
    "-1",
    "NaN",
    "inf",
    "1e309",
    "1,5",
    "2027-13-45T99:99",
    "<script>alert(1)</script>",
    "'; DROP TABLE users; --",
    "ÆØÅ\u202e\ufeff",
    "['a', 1]",  # a list where a scalar belongs
    "ukjent-valg",
]

#: Answers a junk POST may get: redirect, shown again with errors, refused, gone, stale.
ALLOWED = {200, 302, 303, 400, 404, 409, 413, 422}

#: Shown with what is wrong: the error summary, a field's error, or a flashed message.
ERROR_MARKERS = ('class="ds-error-summary"', 'class="ds-validation-message"', 'role="alert"',
                 'class="ds-alert')

#: Never posted: they end the session the rest of the test needs; the download of one's
#: own data has no fields, answers with a zip and is limited per hour (tests/privacy).
SKIPPED_ACTIONS = re.compile(r"^/logg-ut$|^/min-side/dine-data/last-ned$")

#: Posted last: they delete, withdraw, close, archive, change membership or the language.
LAST_ACTIONS = re.compile(r"/(slett|trekk|avslutt|arkiver|fjern|ansvarlig|godta|avsla)$|^/sprak$")


#: Server errors this test found in fund/, each reproduced by its own strict xfail test
#: below. When one is fixed, its xfail test passes (and fails as strict): remove both.
#: Server errors known and not yet fixed, each with a test of its own (none now).
KNOWN_BUGS: list[re.Pattern] = []


def junk_file(value: str):
    return io.BytesIO(value.encode("utf-8", "surrogatepass")), "vedlegg.exe"


def variants(form: Form):
    """(label, pairs) to post; every one carries the form's CSRF token."""
    token = [("csrf_token", form.token)] if form.token else []
    fields = [f for f in form.fields if f.name != "csrf_token"]
    browser = [p for p in as_browser(form) if p[0] != "csrf_token"]

    def junked(pick):
        pairs = []
        for i, f in enumerate(fields):
            value = pick(i)
            pairs.append((f.name, junk_file(value) if f.kind == "file" else value))
        return pairs

    yield "as shown", token + browser
    yield "no fields", token
    for junk in JUNK:
        yield f"every field {junk[:12]!r}", token + junked(lambda _i, j=junk: j)
    for shift in range(3):
        yield f"mixed {shift}", token + junked(lambda i, s=shift: JUNK[(i + s) % len(JUNK)])
    yield "every field twice", token + browser + junked(lambda i: JUNK[i % len(JUNK)])
    unknown = [(f.name, "ukjent-valg-999") if f.kind in ("select", "radio", "checkbox")
               else (f.name, f.value) for f in fields if f.kind != "file"]
    yield "unknown choices", token + unknown
    numbers = [(f.name, "-1e400" if f.kind in ("number", "text") else f.value)
               for f in fields if f.kind != "file"]
    yield "huge negative numbers", token + numbers
    for name, value in form.buttons:
        yield f"button {name}", token + browser + [(name, value)]
        yield f"button {name} with junk", token + junked(
            lambda i: JUNK[(i + 5) % len(JUNK)]) + [(name, value)]


def judge(response) -> str | None:
    """What is wrong with the answer to a junk POST, or None."""
    code = response.status_code
    if code >= 500 or code not in ALLOWED:
        return f"status {code}"
    if code in (302, 303):
        return None
    body = response.get_data(as_text=True)
    if response.mimetype == "application/json":
        return None
    if response.mimetype != "text/html":
        return f"{code} {response.mimetype}"
    if 'lang="nb"' not in body:
        return f"{code} not in Norwegian"
    if code == 200 and not any(marker in body for marker in ERROR_MARKERS):
        return "200 without a message"
    return None


def post_one(client, target: str, pairs) -> str | None:
    try:
        response = client.post(target, data=MultiDict(pairs))
    except Exception as exc:  # TESTING propagates what would be a 500
        return f"500 {type(exc).__name__}: {str(exc)[:160]}"
    return judge(response)


def post_all(client, forms: list[Form]) -> tuple[list[str], set[str]]:
    problems, posted = [], set()
    forms = [f for f in forms if not SKIPPED_ACTIONS.search(urlsplit(f.action).path)]
    forms.sort(key=lambda f: bool(LAST_ACTIONS.search(urlsplit(f.action).path)))
    for form in forms:
        for target in [form.action] + ([form.autosave] if form.autosave else []):
            posted.add(target)
            for label, pairs in variants(form):  # fresh junk files for each target
                wrong = post_one(client, target, pairs)
                problem = f"POST {target} ({label}, form on {form.page}): {wrong}"
                if wrong and not any(bug.search(problem) for bug in KNOWN_BUGS):
                    problems.append(problem)
    return problems, posted


@pytest.fixture
def reachable(app, client, world):
    """Log in as the role, prepare what its forms need, and return every form it sees."""

    def forms_for(role, pages_only=False):
        users, values, specific = world
        planned = make_call(opens_in=timedelta(days=5), closes_in=timedelta(days=40))
        _db.session.commit()
        each = [values, values | {"call_id": planned.id}]
        if role != "anon":
            login(client, users[role])
        call = _db.session.get(Call, values["call_id"])
        if role == "a":  # drafts of their own: one half written, one ready to submit
            organisation = users["a"].memberships[0].organisation
            for complete in (False, True):
                draft = make_application(call, organisation, users["a"], complete=complete)
                _db.session.commit()
                each.append(values | {"application_id": draft.id})
        if role in ("cw", "mgr"):
            # world's application after declaring no conflict of interest; B's before.
            from fund.applications.models import Application
            from fund.applications.operations import submit
            b = users["b"]
            other = make_application(call, b.memberships[0].organisation, b)
            with app.test_request_context():
                submit(other, b)
            _db.session.commit()
            each.append(values | {"application_id": other.id})
            assert declare(client, _db.session.get(Application, values["application_id"])
                           ).status_code == 302
        return collect_forms(client, app, each, specific, pages_only)

    return forms_for


#: The forms each role must have reached; a form that disappears fails the test.
MUST_REACH = {
    "anon": ["/logg-inn", "/registrer", "/glemt-passord"],
    "a": ["/soknader/{draft}", "/soknader/{draft}/autolagre", "/soknader/{ready}/send-inn",
          "/organisasjoner/{org}/rediger", "/organisasjoner/{org}/invitasjoner"],
    "b": ["/organisasjoner/ny", "/organisasjoner/krav"],
    "cw": ["/saksbehandling/soknader/{app}/vurdering", "/saksbehandling/soknader/{app}/notater",
           "/saksbehandling/soknader/{app}/be-om-opplysninger",
           "/saksbehandling/soknader/{app}/tiltak", "/saksbehandling/soknader/tildel",
           "/saksbehandling/soknader/{other}/habilitet"],
    "mgr": ["/saksbehandling/soknader/tildel", "/saksbehandling/utlysninger/{call}/linje",
            "/forvaltning/utlysninger/ny", "/forvaltning/utlysninger/{planned}/rediger",
            "/forvaltning/utlysninger/{planned}/kriterier",
            "/forvaltning/utlysninger/{call}/vurdering",
            "/saksbehandling/soknader/{app}/vurdering"],
    "admin": ["/admin/brukere/{user}", "/plan/admin", "/organisasjoner/{org}/rediger"],
}


@pytest.mark.parametrize("role", list(MUST_REACH))
def test_no_form_gives_a_server_error_whatever_is_posted(app, client, world, reachable, role):
    forms = reachable(role)
    problems, posted = post_all(client, forms)
    users, values, specific = world
    drafts = sorted(int(re.search(r"/soknader/(\d+)$", f.action).group(1)) for f in forms
                    if f.autosave) or [None, None]
    planned = _db.session.query(Call).order_by(Call.id.desc()).first().id
    expected = {p.format(draft=drafts[0], ready=drafts[-1], other=values["application_id"] + 1,
                         org=values["organisation_id"], call=values["call_id"],
                         app=values["application_id"], planned=planned,
                         user=specific["/admin/brukere/<int:user_id>"]["user_id"])
                for p in MUST_REACH[role]}
    assert expected - posted == set(), "forms no longer found on the pages"
    assert problems == [], "\n".join(problems)


def test_an_unknown_id_in_any_address_is_a_404_not_an_error(app, client, world):
    users, values, specific = world
    login(client, users["mgr"])
    errors = []
    for rule, method in routes(app):
        path = expand(rule, values, specific)
        for value in {str(v) for v in values.values()}:
            if f"/{value}" not in path:
                continue
            wrong = path.replace(f"/{value}", "/999999")
            response = client.get(wrong) if method == "GET" else client.post(wrong)
            if response.status_code >= 500:
                errors.append(f"{method} {wrong}: {response.status_code}")
    assert errors == []


def test_the_applicant_changes_why_a_field_should_be_exempt(app, client, world):
    users, values, _specific = world
    a = users["a"]
    draft = make_application(_db.session.get(Call, values["call_id"]),
                             a.memberships[0].organisation, a, complete=False)
    _db.session.commit()
    login(client, a)
    path = f"/soknader/{draft.id}"
    for reason in ("Inneholder priser fra leverandøren.", "Inneholder en patentsøknad."):
        form = next(f for f in forms_of(path, client.get(path).get_data(as_text=True))
                    if f.action == path)
        shown = [(name, value) for name, value in as_browser(form)
                 if not name.startswith("exempt-")]
        response = client.post(path, data=MultiDict(shown + [
            ("exempt-description", "on"), ("exempt-reason-description", reason), ("save", "1")]))
        assert response.status_code in (200, 302)
    _db.session.expire_all()
    assert {c.field: c.reason for c in draft.exemption_requests} == {
        "description": "Inneholder en patentsøknad."}


def test_an_assignment_of_an_impossible_application_number_is_refused(app, client, world):
    users, _values, _specific = world
    login(client, users["mgr"])
    token = forms_of("/saksbehandling/soknader", client.get(
        "/saksbehandling/soknader").get_data(as_text=True))[0].token
    response = client.post("/saksbehandling/soknader/tildel", data={
        "csrf_token": token, "application": "9" * 40, "caseworker": str(users["cw"].id)})
    assert response.status_code < 500
