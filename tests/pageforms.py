"""The forms of the pages, read from the HTML as a browser reads them.

Shared by tests/test_form_fuzz.py (fixed junk) and tests/test_hostile_input.py
(property-based hostile values): every ``<form method=post>`` with its inputs, selects
and textareas (dynamic names included), its named buttons and its autosave address.
"""

import re
from dataclasses import dataclass, field, replace
from html.parser import HTMLParser
from urllib.parse import urljoin

from tests.matrix import expand, routes


@dataclass
class Field:
    name: str
    kind: str  #: input type, "select" or "textarea"
    value: str = ""  #: what the browser would send unchanged ("" if nothing)
    checked: bool = False
    options: list[str] = field(default_factory=list)
    attrs: dict = field(default_factory=dict)  #: the element's attributes (id, maxlength…)


@dataclass
class Form:
    page: str
    action: str
    fields: list[Field] = field(default_factory=list)
    buttons: list[tuple[str, str]] = field(default_factory=list)
    autosave: str | None = None
    formactions: list[str] = field(default_factory=list)  #: buttons posting elsewhere
    submits: int = 0  #: buttons posting to ``action``

    @property
    def token(self) -> str | None:
        return next((f.value for f in self.fields if f.name == "csrf_token"), None)

    @property
    def key(self):
        return self.action, tuple(sorted({f.name for f in self.fields}))


class FormParser(HTMLParser):
    """Reads every ``<form method=post>`` of a page."""

    def __init__(self, page: str):
        super().__init__(convert_charrefs=True)
        self.page = page
        self.forms: list[Form] = []
        self.form: Form | None = None
        self.select: Field | None = None
        self.textarea: Field | None = None

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "form":
            if (attrs.get("method") or "get").lower() == "post":
                action = urljoin(self.page, attrs.get("action") or self.page)
                autosave = attrs.get("data-autosave-url")
                self.form = Form(self.page, action, autosave=autosave)
                self.forms.append(self.form)
            return
        if self.form is None:
            return
        name = attrs.get("name")
        if tag == "button" or (tag == "input" and attrs.get("type") in ("submit", "image")):
            if attrs.get("formaction"):  # the same fields, posted elsewhere by this button
                self.form.formactions.append(urljoin(self.page, attrs["formaction"]))
                return
            self.form.submits += 1
            if name:
                self.form.buttons.append((name, attrs.get("value") or "1"))
        elif tag == "input" and name:
            kind = (attrs.get("type") or "text").lower()
            if kind in ("reset", "button"):
                return
            self.form.fields.append(Field(name, kind, attrs.get("value") or (
                "on" if kind in ("checkbox", "radio") else ""), "checked" in attrs,
                attrs=attrs))
        elif tag == "select" and name:
            self.select = Field(name, "select", attrs=attrs)
            self.form.fields.append(self.select)
        elif tag == "option" and self.select is not None:
            value = attrs.get("value", "")
            self.select.options.append(value)
            if "selected" in attrs or len(self.select.options) == 1:
                self.select.value = value
        elif tag == "textarea" and name:
            self.textarea = Field(name, "textarea", attrs=attrs)
            self.form.fields.append(self.textarea)

    def handle_endtag(self, tag):
        if tag == "form":
            if self.form is not None:
                if self.form.formactions and not self.form.submits:  # every button elsewhere
                    self.forms.remove(self.form)
                self.forms += [replace(self.form, action=action, formactions=[])
                               for action in self.form.formactions]
            self.form = None
        elif tag == "select":
            self.select = None
        elif tag == "textarea":
            self.textarea = None

    def handle_data(self, data):
        if self.textarea is not None:
            self.textarea.value += data


def forms_of(page: str, html: str) -> list[Form]:
    parser = FormParser(page)
    parser.feed(html)
    return parser.forms


def as_browser(form: Form) -> list[tuple[str, object]]:
    """What a browser posts for the form as shown (checked boxes only, no files)."""
    pairs = []
    for f in form.fields:
        if f.kind in ("checkbox", "radio") and not f.checked or f.kind == "file":
            continue
        pairs.append((f.name, f.value))
    return pairs


#: Addresses that answer files, not pages with forms.
FILES = re.compile(r"\.(pdf|csv|xlsx|zip|json|txt)$|^/api/|/(eksport|last-ned)$")


def collect_forms(client, app, values, specific, pages_only=False) -> list[Form]:
    """Every form on every page the client can GET (``pages_only``: not asking for
    addresses that answer files)."""
    found: dict = {}
    for rule, method in routes(app):
        if method != "GET" or rule.rule.startswith(("/static", "/healthz")):
            continue
        if pages_only and FILES.search(rule.rule):
            continue
        for each in values:
            path = expand(rule, each, specific)
            response = client.get(path)
            if response.status_code != 200 or response.mimetype != "text/html":
                continue
            for form in forms_of(path, response.get_data(as_text=True)):
                found.setdefault(form.key, form)
    return list(found.values())


