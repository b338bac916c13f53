"""Every page, as every role: accessible markup (junk input: tests/test_form_fuzz.py)."""

from html.parser import HTMLParser

import pytest

from tests.helpers import login
from tests.matrix import MATRIX, ROLES, expand, routes


class PageAudit(HTMLParser):
    def __init__(self):
        super().__init__()
        self.html_lang = None
        self.mains = 0
        self.ids = []
        self.label_for = set()
        self.controls = []
        self.h1 = 0
        self.none_attributes = []

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "html":
            self.html_lang = attrs.get("lang")
        if tag == "main":
            self.mains += 1
        if tag == "h1":
            self.h1 += 1
        if "id" in attrs:
            self.ids.append(attrs["id"])
        if tag == "label" and attrs.get("for"):
            self.label_for.add(attrs["for"])
        if tag in ("input", "select", "textarea") and attrs.get("type") not in (
                "hidden", "submit", "button"):
            self.controls.append(attrs)
        # An attribute given None in a template comes out as the text "None"
        # (aria-invalid="None" is invalid ARIA; aria-describedby="None" points nowhere).
        self.none_attributes += [f"{tag} {name}" for name, value in attrs.items()
                                 if value == "None"]


def audit(html: str) -> list[str]:
    page = PageAudit()
    page.feed(html)
    problems = []
    if page.html_lang not in ("nb", "en"):
        problems.append(f"html lang={page.html_lang!r}")
    if page.mains != 1:
        problems.append(f"{page.mains} <main> elements")
    if page.h1 != 1:
        problems.append(f"{page.h1} <h1> elements")
    if page.none_attributes:
        problems.append(f"attributes with the value 'None': {sorted(set(page.none_attributes))}")
    duplicates = {i for i in page.ids if page.ids.count(i) > 1}
    if duplicates:
        problems.append(f"duplicate ids {sorted(duplicates)}")
    for control in page.controls:
        if control.get("id") not in page.label_for and not control.get("aria-label"):
            problems.append(f"unlabelled control {control.get('name')!r}")
    return problems


@pytest.mark.parametrize("role", ROLES)
def test_every_page_has_accessible_structure(app, client, world, role):
    users, values, specific = world
    if role != "anon":
        login(client, users[role])
    problems = []
    for rule, method in routes(app):
        if method != "GET" or MATRIX[(rule.rule, method)][role] != 200 \
                or rule.rule.startswith(("/static", "/healthz")):
            continue
        path = expand(rule, values, specific)
        response = client.get(path)
        if response.mimetype != "text/html":
            continue  # downloads: PDFs and attachments
        problems += [f"{path}: {p}" for p in audit(response.get_data(as_text=True))]
    assert problems == []


def test_the_application_form_and_checklist_are_accessible(client, world):
    from fund.extensions import db as _db
    from tests.helpers import make_application
    users, values, _specific = world
    a = users["a"]
    from fund.calls.models import Call
    call = _db.session.get(Call, values["call_id"])
    draft = make_application(call, a.memberships[0].organisation, a, complete=False)
    _db.session.commit()
    login(client, a)
    problems = []
    for path in (f"/soknader/{draft.id}", f"/soknader/{draft.id}/send-inn", "/soknader",
                 f"/utlysninger/{call.id}/soknad"):
        response = client.get(path)
        assert response.status_code == 200, path
        problems += [f"{path}: {p}" for p in audit(response.get_data(as_text=True))]
    assert problems == []


def test_a_field_in_error_is_marked_invalid_and_points_to_its_message(client):
    """Screen readers hear that the field is wrong and what to do: aria-invalid on the
    field, and aria-describedby naming the message (and the hint, when there is one)."""
    from tests.helpers import html_of, post_form
    html = html_of(post_form(client, "/registrer", {"email": "", "name": "", "password": ""}))
    page = PageAudit()
    page.feed(html)
    email = next(c for c in page.controls if c.get("name") == "email")
    assert email.get("aria-invalid") == "true"
    assert "email-err" in email.get("aria-describedby", "").split()
    assert 'id="email-err"' in html
    assert not page.none_attributes
