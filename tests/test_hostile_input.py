"""Hostile values in every form, found as tests/test_form_fuzz.py finds them (from the pages,
as every role), posted by hypothesis: a valid baseline with one field (sometimes a few)
replaced by something hostile, chosen for what the field is (a number, a date, an org.nr,
a kontonr, an amount, free text).

For every answer:
1. never a 5xx (nor the 400 of the database's last line of defence: the form let it by);
2. when refused, the message is Norwegian and on the field that was wrong (its own
   ``ds-validation-message`` or the error summary's link to ``#<field id>``), not only a
   message at the top;
3. when refused, nothing is stored: every table has the rows it had, the files the files
   they had; when accepted, no NUL, no text longer than its column, nothing partly kept.

Each example runs in a savepoint rolled back afterwards, so every example starts from the
same world and the run is the same every time (``derandomize``)."""

import os
import re
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from urllib.parse import quote_plus, urlsplit

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import String, Text, func, select

from fund.extensions import db as _db
from tests.decisions.conftest import decided, proposed, sent  # noqa: F401 (fixtures)
from tests.grants.conftest import accepted, granted  # noqa: F401 (fixtures)
from tests.grants.test_junk import busy  # noqa: F401 (a fixture)
from tests.helpers import login
from tests.pageforms import Field, Form, forms_of
from tests.review.conftest import competition  # noqa: F401 (a fixture)
from tests.test_form_fuzz import MUST_REACH, reachable  # noqa: F401 (a fixture)

#: Examples per form (each one post), one more for every four fields up to MAX_EXAMPLES
#: (the application form, with its rows, gets the most). The baseline is posted once more.
EXAMPLES = int(os.environ.get("HOSTILE_EXAMPLES", "8"))
MAX_EXAMPLES = 3 * EXAMPLES

#: Never posted: they end the session or change its language; the data download answers
#: with a zip and is limited per hour, and closing the account counts a wrong password
#: (a refusal that writes by design). tests/privacy covers both.
SKIPPED = re.compile(r"^/(logg-ut|sprak|min-side/dine-data/last-ned|min-side/avslutt-konto)$")

#: The answers that show the form again, with what is wrong.
SHOWN_AGAIN = {200, 400, 409, 422}

#: Drafts: saved with what is valid, the rest marked and not stored (as autosave does).
DRAFTS = re.compile(r"^/soknader/\d+$|^/mine-tilskudd/\d+/sluttrapport$")

#: English defaults of WTForms; a page in Norwegian shows none of them.
ENGLISH = re.compile(r"Not a valid|This field is required|Invalid (choice|value|email)|"
                     r"Field must be|Number must be|must be at least|Invalid input|"
                     r"is not a valid|Not a valid choice|Invalid Choice", re.I)

TEXT_LIMIT = 1_000_000  #: longer than any form takes (MAX_CONTENT_LENGTH)


# -- Hostile values ------------------------------------------------------------------------------

def bad_mod11(digits: str) -> str:
    """The same digits with a wrong check digit."""
    return digits[:-1] + str((int(digits[-1]) + 1) % 10)


CONTROL = st.sampled_from(["\x00", "\x01", "\x07", "\x08", "\x0b", "\x0c", "\x1b[31m", "\x7f",
                           "a\x00b", "\r\n\x00", "\u0085", "\u2028"])
MARKUP = st.sampled_from(["<script>alert(1)</script>", "\"><img src=x onerror=alert(1)>",
                          "javascript:alert(1)", "{{ 7*7 }}", "{% raw %}", "&lt;b&gt;",
                          "<!--", "]]>", "=HYPERLINK(\"http://x\")", "@SUM(1)"])
SQL = st.sampled_from(["'; DROP TABLE users; --", "' OR '1'='1", "1; SELECT pg_sleep(5)",
                       "%", "_", "\\", "' UNION SELECT NULL--", "$$", "E'\\x00'"])
ODD_UNICODE = st.sampled_from([
    "\u202eABC", "\u200b", "\u200d\u200c", "\ufeff", "e\u0301\u0301\u0301", "Z\u0351\u0352" * 40,
    "😀👨‍👩‍👧", "\U0001f4a9" * 100, "ÆØÅæøå", "\ud800", "a\udfffb", "\uffff", "\U0010ffff",
    "ﷺ" * 50, "\u00a0", "İı"])
NUMBERS = st.one_of(
    st.sampled_from(["-1", "0", "-0", "1e309", "-1e400", "1E+12", "NaN", "sNaN", "inf",
                     "-Infinity", "9" * 40, "-" + "9" * 20, str(2**31), str(2**63),
                     "9999999999.999", "0.0000000001", "1 000,50", "1 000 000", "1.000.000,5",
                     "1,5", "1.5", "0x10", "1_000", "١٢٣", "１２", "+5", "--1", "1e", ".",
                     "kr 100", "100,-", "50 %"]),
    st.integers(min_value=-(10**30), max_value=10**30).map(str),
    st.decimals(allow_nan=True, allow_infinity=True, places=None).map(str))
DATES = st.sampled_from([
    "2027-02-29", "2028-02-29", "2027-13-01", "2027-00-10", "2027-04-31", "0001-01-01",
    "9999-12-31", "10000-01-01", "0000-00-00", "-2027-01-01", "2027-1-1", "01.03.2027",
    "31.12.2027", "2027/03/01", "i morgen", "2027-03-01T25:61", "2027-03-01T12:00",
    "2027-03-01T12:00:00+99:00", "2027-03-01 12:00", "1970-01-01T00:00", "T12:00", "12:00",
    "9999-12-31T23:59", "0001-01-01T00:00", "2027-03-01T", "2027-03-01T24:00", "-1"])
ORGNR = st.sampled_from([bad_mod11("912345688"), "91234568", "9123456880", "abcdefghi",
                         "912 345 688 ", "NO912345688MVA", "000000000", "999999999",
                         "9123456\x008", "９１２３４５６８８"])
KONTONR = st.sampled_from([bad_mod11("12345678903"), "1234.56.78903", "1234 56 78903",
                           "1234567890", "123456789030", "1234.56.7890X", "00000000000",
                           "NO9386011117947", "1234-56-78903", "1234.56.78902"])
EMAILS = st.sampled_from(["ikke-en-adresse", "a@", "@b.no", "a@b", "a@@b.no",
                          "a" * 250 + "@example.no", "a@example.no\r\nBcc: x@y.no",
                          "\"a b\"@example.no", "a@exämple.no", "a@example.no,b@example.no"])


def long_text(limit: int | None):
    sizes = [1000, 10_000, 200_000] if limit is None else \
        [limit + 1, limit + 10, limit * 10 + 1, 100_000]
    return st.builds(lambda n, c: c * n, st.sampled_from(sizes), st.sampled_from(["x", "æ", "😀"]))


def any_text(limit: int | None):
    junk = st.one_of(CONTROL, MARKUP, SQL, ODD_UNICODE)
    return st.one_of(
        junk, long_text(limit),
        st.tuples(st.sampled_from(["Ok ", ""]), junk, st.sampled_from(["", " tekst"])).map(
            "".join),
        st.text(max_size=40),
        st.sampled_from(["", " ", "\t", "ukjent-valg", "None", "null", "[]", "{}"]))


def hostile_for(f: Field):
    """Values to try in ``f``, by what the page says it is."""
    name = f.name.lower()
    limit = int(f.attrs["maxlength"]) if (f.attrs.get("maxlength") or "").isdigit() else None
    general = any_text(limit)
    if re.search(r"org(nr|_number|anisasjonsnummer)", name):
        return st.one_of(ORGNR, ORGNR, general)
    if re.search(r"konto|account", name):
        return st.one_of(KONTONR, KONTONR, general)
    if f.kind == "email" or "email" in name or "epost" in name:
        return st.one_of(EMAILS, general)
    if f.kind in ("date", "datetime-local", "time") or re.search(r"(_on|_at|dato|date)$", name):
        return st.one_of(DATES, DATES, NUMBERS, general)
    if f.kind == "number" or re.search(r"amount|belop|budget|sum|score|weight|percent|year",
                                       name):
        return st.one_of(NUMBERS, NUMBERS, general)
    if f.kind in ("select", "radio", "checkbox"):
        choices = f.options or [f.value]
        return st.one_of(st.sampled_from(["ukjent-valg", "", "-1", "9" * 30, "0",
                                          choices[-1] + "x", " " + choices[0]]), general)
    if f.kind == "hidden":
        return st.one_of(NUMBERS, general)
    return general


# -- A valid baseline ----------------------------------------------------------------------------

def _valid_orgnr(start: int = 998765400) -> str:
    from stdnum.no import orgnr
    return next(str(n) for n in range(start, start + 100) if orgnr.is_valid(str(n)))


FILL = [  # (name pattern, value) for an empty field the baseline must fill
    (r"org(nr|_number)", _valid_orgnr()),
    (r"konto|account", "1234.56.78903"),
    (r"e-?post|email", "ny.person@example.no"),
    (r"password|passord", "Blåbærsyltetøy på brødskiva i 1987"),
    (r"phone|telefon", "+47 22 33 44 55"),
    (r"postcode|postnummer|postal", "2000"),
    (r"year|aar", "2027"),
    (r"org_form", "AS"),
    (r"industry_code", "62.010"),
    (r"municipality", "3205"),
    (r"reference|referanse", "2026/123"),
    (r"^value$", "10"),
    (r"percent|prosent", "10"),
    (r"amount|belop|budget|grant|sum|cost|reserve", "1000"),
]


#: (action, field) -> value where the page's own value or the general fill is refused.
OVERRIDES = [
    (r"/organisasjoner/krav$", "orgnr", "912345696"),  # a claim on the other organisation
    (r"/frist$", "closes_at", "2027-06-01T12:00"),  # a deadline later than the one set
]

#: Boxes the baseline ticks: what to assign, and confirmations.
TICKED = re.compile(r"^application$|confirm|bekreft")


def baseline_value(f: Field, action: str = "") -> str:
    for pattern, name, value in OVERRIDES:
        if f.name == name and re.search(pattern, action):
            return value
    if f.value.strip():
        return f.value.strip() if f.kind == "textarea" else f.value
    name = f.name.lower()
    if "expected_decision" in name:
        return "2027-06-01"
    if f.kind == "date" or re.search(r"_on$|dato", name):
        return date.today().isoformat()  # a date that has been (received on, paid on)
    if f.kind == "datetime-local":
        return "2027-03-01T12:00" if "open" in name else "2027-04-01T12:00"
    for pattern, value in FILL:
        if re.search(pattern, name):
            return value
    if f.kind == "number":
        low = f.attrs.get("min")
        return low if low and low not in ("0", "") else "1"
    if f.kind == "email":
        return "ny.person@example.no"
    return "Tekst fra testen"


def baseline(form: Form) -> list[tuple[str, object]]:
    pairs, radios = [], {}
    for f in form.fields:
        if f.kind == "file":
            continue
        if f.kind == "radio":
            radios.setdefault(f.name, f.value if f.checked else radios.get(f.name) or f.value)
            continue
        if f.kind == "checkbox":
            if f.checked or "required" in f.attrs or TICKED.search(f.name):
                pairs.append((f.name, f.value))
            continue
        if f.kind == "select":
            value = f.value or next((o for o in f.options if o), "")
            pairs.append((f.name, value))
            continue
        pairs.append((f.name, baseline_value(f, urlsplit(form.action).path)))
    pairs += list(radios.items())
    buttons = [b for b in form.buttons if b[0] not in ("more_rows", "next")]
    if buttons or form.buttons:
        pairs.append((buttons or form.buttons)[0])
    return pairs


# -- The world before and after ------------------------------------------------------------------

def row_counts(connection) -> dict[str, int]:
    tables = [t for t in _db.metadata.sorted_tables]
    query = select(*[select(func.count()).select_from(t).scalar_subquery().label(t.name)
                     for t in tables])
    return dict(connection.execute(query).mappings().one())


def files(app) -> set[str]:
    root = Path(app.instance_path)
    return {str(p.relative_to(root)) for p in root.rglob("*") if p.is_file()}


def _text_checks(dialect: str):
    """(label, count query) of rows no database should hold: NUL anywhere (SQLite stores
    it; PostgreSQL refuses it), or text longer than its column (SQLite stores it)."""
    checks = []
    for table in _db.metadata.sorted_tables:
        for column in table.columns:
            if not isinstance(column.type, String | Text):
                continue
            length = getattr(column.type, "length", None)
            if dialect == "sqlite":
                checks.append((f"{table.name}.{column.name} holds NUL",
                               func.instr(column, "\x00") > 0, table))
            if length:
                checks.append((f"{table.name}.{column.name} longer than {length}",
                               func.length(column) > length, table))
    return checks


def holding(connection, value: str) -> list[str]:
    """The text columns that hold ``value`` in some row."""
    columns = [(table, column) for table in _db.metadata.sorted_tables
               for column in table.columns if isinstance(column.type, String | Text)]
    query = select(*[select(func.count()).select_from(table).where(column == value)
                     .scalar_subquery().label(f"c{i}")
                     for i, (table, column) in enumerate(columns)])
    found = connection.execute(query).one()
    return [f"{table.name}.{column.name}" for (table, column), count
            in zip(columns, found, strict=True) if count]


def stored_text_problems(connection) -> list[str]:
    checks = _text_checks(connection.dialect.name)
    query = select(*[select(func.count()).select_from(table).where(condition)
                     .scalar_subquery().label(f"c{i}")
                     for i, (_label, condition, table) in enumerate(checks)])
    found = connection.execute(query).one()
    return [label for (label, _c, _t), count in zip(checks, found, strict=True) if count]


@dataclass
class Answer:
    status: int
    body: str
    location: str | None
    flashes: list[tuple[str, str]]
    error_fields: set[str]
    messages: list[str]

    @property
    def refused(self) -> bool:
        if self.status in (302, 303):
            return any(category in ("danger", "warning") for category, _ in self.flashes)
        return bool(self.error_fields or self.messages) or self.status >= 400


ERROR_LINK = re.compile(r'<a class="ds-link" href="#([^"]+)">([^<]*)</a>')
FIELD_ERROR = re.compile(r'<p class="ds-validation-message"[^>]*?id="([^"]+)-err"[^>]*>([^<]*)<')
ANY_ERROR = re.compile(r'class="ds-validation-message"[^>]*>([^<]*)<')
ALERT = re.compile(r'class="ds-alert[^"]*"[^>]*role="alert"[^>]*>(.*?)</div>', re.S)


def answer_of(client, response) -> Answer:
    body = response.get_data(as_text=True)
    with client.session_transaction() as session:
        flashes = session.pop("_flashes", [])
    fields, messages = set(), []
    if response.mimetype == "text/html" and response.status_code in SHOWN_AGAIN:
        summary = body.split('id="error-summary"', 1)[1].split("</div>", 1)[0] \
            if 'id="error-summary"' in body else ""
        for target, message in ERROR_LINK.findall(summary):
            fields.add(target)
            messages.append(message)
        for target, message in FIELD_ERROR.findall(body):
            fields.add(target)
            messages.append(message)
        messages += ANY_ERROR.findall(body) + [re.sub(r"<[^>]+>", " ", a)
                                             for a in ALERT.findall(body)]
    return Answer(response.status_code, body, response.headers.get("Location"),
                  [tuple(f) for f in flashes], fields, messages)


def encoded(pairs) -> bytes:
    """The form as a browser sends it; a lone surrogate as the bytes it would become
    (not UTF-8: the server must decode it somehow)."""
    return "&".join(f"{quote_plus(name)}={quote_plus(str(value).encode('utf-8', 'surrogatepass'))}"
                    for name, value in pairs).encode("ascii")


class Poster:
    """Posts in a savepoint it rolls back, and says what went wrong, if anything."""

    def __init__(self, app, client):
        self.app, self.client = app, client
        _db.session.commit()
        self.connection = _db.session.bind
        self.counts = row_counts(self.connection)
        self.files = files(app)
        self.posts = 0

    def post(self, target: str, pairs, clean_save: dict | None = None, watch=()
             ) -> tuple[Answer | None, list[str]]:
        """``watch``: values to look for in the database when refused (``held``)."""
        savepoint = self.connection.begin_nested()
        try:
            self.posts += 1
            try:
                response = self.client.post(
                    target, data=encoded(pairs),
                    content_type="application/x-www-form-urlencoded")
            except Exception as exc:  # TESTING propagates what would be a 500
                return None, [f"500 {type(exc).__name__}: {str(exc)[:200]}"]
            answer = answer_of(self.client, response)
            self.last_counts = row_counts(self.connection)
            self.held = {value.strip(): holding(self.connection, value.strip())
                         for value in watch if answer.refused and len(value.strip()) >= 4}
            return answer, self.judge(answer, clean_save)
        finally:
            savepoint.rollback()
            for name in files(self.app) - self.files:  # what the rolled back post wrote
                (Path(self.app.instance_path) / name).unlink(missing_ok=True)

    def judge(self, answer: Answer, clean_save: dict | None) -> list[str]:
        problems = []
        if answer.status >= 500:
            problems.append(f"status {answer.status}")
        if answer.status == 400 and "kunne ikke lagres" in answer.body:
            problems.append("400 from the database: the form let the value by")
        english = [m for m in answer.messages + [m for _c, m in answer.flashes]
                   if ENGLISH.search(m)]
        if english:
            problems.append(f"English messages: {english[:3]}")
        if answer.status == 200 and answer.body and 'lang="nb"' not in answer.body \
                and "html" in answer.body[:200].lower():
            problems.append("page not in Norwegian")
        if answer.refused:
            after = self.last_counts
            # A draft keeps what is valid and marks the rest: no more than a clean save
            limit = clean_save or self.counts
            changed = {t: (self.counts[t], after[t]) for t in after
                       if after[t] != self.counts[t] and (
                           clean_save is None or not self.counts[t] <= after[t] <= limit[t])}
            if changed:
                problems.append(f"refused, yet rows changed: {changed}")
            new_files = files(self.app) - self.files
            if new_files:
                problems.append(f"refused, yet files written: {sorted(new_files)[:3]}")
        else:
            problems += [f"stored: {p}" for p in stored_text_problems(self.connection)]
        return problems


def ids_of(f: Field) -> set[str]:
    """The ids an error on ``f`` may link to (a radio group's first option, or the group)."""
    own = f.attrs.get("id") or f.name
    return {own, f.name, re.sub(r"-\d+$", "", own), f"{f.name}-0"}


def fuzz_form(poster: Poster, form: Form, report: dict) -> list[str]:
    """Post the form's baseline, then EXAMPLES hostile variants of it."""
    base = baseline(form)
    base_answer, base_problems = poster.post(form.action, base)
    problems = [f"baseline: {p}" for p in base_problems]
    if base_answer is None:
        return problems
    base_fields = base_answer.error_fields
    report["baseline"] = "refused " + " ".join(sorted(base_fields) or [
        m[:60] for m in base_answer.messages + [m for _c, m in base_answer.flashes]][:2]) \
        if base_answer.refused else f"accepted {base_answer.status}"
    clean_save = poster.last_counts if DRAFTS.search(urlsplit(form.action).path) else None
    candidates = [f for f in form.fields if f.name != "csrf_token" and f.kind != "file"]
    if not candidates:
        return problems
    by_name = {}
    for f in candidates:
        by_name.setdefault(f.name, f)
    fields = list(by_name.values())

    # Fixed examples (derandomize, no example database): the same run in CI every time.
    # Posts are slow, and the long strings are large: those health checks do not apply.
    @settings(max_examples=min(EXAMPLES + len(fields) // 4, MAX_EXAMPLES), deadline=None,
              derandomize=True, database=None, print_blob=False,
              suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large,
                                     HealthCheck.large_base_example])
    @given(st.data())
    def example(data):
        count = data.draw(st.sampled_from([1, 1, 1, 2, 3]), label="fields")
        chosen = data.draw(st.lists(st.sampled_from(fields), min_size=1, max_size=count,
                                    unique_by=lambda f: f.name), label="which")
        names = {f.name for f in chosen}
        values = {f.name: data.draw(hostile_for(f), label=f.name) for f in chosen}
        repeat = data.draw(st.booleans(), label="repeat") if count > 1 else False
        pairs = [(n, v) for n, v in base if n not in names]
        for f in chosen:
            pairs.append((f.name, values[f.name]))
            if repeat:
                pairs.append((f.name, "ukjent-valg"))
        ticked = clean_save and any(f.kind == "checkbox" for f in chosen)
        # A box ticked in a draft is kept like any valid answer (an exemption asked for)
        answer, wrong = poster.post(form.action, pairs, {t: 10**9 for t in clean_save}
                                    if ticked else clean_save, watch=values.values())
        report["examples"] += 1
        if answer is not None and answer.refused:
            report["refused"] += 1
            wrong += misplaced(answer, chosen, base_fields, form)
            wrong += kept_anyway(poster, answer, chosen, values, base)
        elif answer is not None:
            wrong += overlong(chosen, values)
        if wrong:
            shown = {k: (v[:60] + f"…({len(v)})" if len(v) > 60 else v)
                     for k, v in values.items()}
            problems.append(f"POST {form.action} {shown!r}: {'; '.join(wrong)}")

    example()
    return problems


def kept_anyway(poster: Poster, answer: Answer, chosen: list[Field], values: dict,
                base: list) -> list[str]:
    """A value refused on its field, stored all the same (in a row that was there)."""
    usual = {str(value).strip() for _name, value in base}
    problems = []
    for f in chosen:
        value = values[f.name].strip()
        elsewhere = {v.strip() for name, v in values.items() if name != f.name}
        if not ids_of(f) & answer.error_fields or len(value) < 4 or value in usual | elsewhere:
            continue
        held = poster.held.get(value)  # looked for before the savepoint was rolled back
        if held:
            problems.append(f"{f.name} refused, yet stored in {held}")
    return problems


def overlong(chosen: list[Field], values: dict) -> list[str]:
    """Accepted although longer than the field says it takes: cut without a word, or
    stored longer than the column (which PostgreSQL refuses)."""
    return [f"{f.name}: {len(values[f.name])} characters accepted, maxlength "
            f"{f.attrs['maxlength']}" for f in chosen
            if (f.attrs.get("maxlength") or "").isdigit()
            and len(values[f.name].strip()) > int(f.attrs["maxlength"])]


def misplaced(answer: Answer, chosen: list[Field], base_fields: set[str], form: Form
              ) -> list[str]:
    """A refusal whose message is not on a field that was wrong."""
    if answer.status not in SHOWN_AGAIN:
        return []
    new = answer.error_fields - base_fields
    ours = set().union(*(ids_of(f) for f in chosen))
    labelled = [f for f in chosen if f.kind != "hidden" and f.attrs.get("id")]
    if new and not new & ours and labelled:
        return [f"message on {sorted(new)}, not on {sorted(ours)}"]
    if not new and labelled and not base_fields \
            and not (ours & answer.error_fields):
        return [f"refused without a message on {sorted(ours)}: "
                f"{[m[:80] for m in answer.messages][:2]}"]
    return []


#: Forms already fuzzed by an earlier role (the same address pattern and fields).
SEEN: set = set()


def pattern_of(form: Form):
    path = re.sub(r"/\d+(?=/|$)", "/N", urlsplit(form.action).path)
    return path, tuple(sorted({re.sub(r"\d+", "N", f.name) for f in form.fields}))


def run_all(app, client, forms: list[Form], label: str) -> list[str]:
    poster = Poster(app, client)
    problems = []
    tried = {}
    for form in forms:
        if SKIPPED.search(urlsplit(form.action).path) or pattern_of(form) in SEEN:
            continue
        SEEN.add(pattern_of(form))
        report = {"examples": 0, "refused": 0}
        problems += fuzz_form(poster, form, report)
        tried[form.action] = report
    TRIED[label] = tried
    return problems


#: label -> action -> {"examples": n, "refused": n}, written at the end (HOSTILE_REPORT).
TRIED: dict = {}


@pytest.fixture(scope="module", autouse=True)
def write_report():
    yield
    out = os.environ.get("HOSTILE_REPORT")
    if out:
        import json
        Path(out).write_text(json.dumps(TRIED, indent=1, ensure_ascii=False))


@pytest.mark.parametrize("role", list(MUST_REACH))
def test_hostile_values_in_every_form_of_every_role(app, client, world, reachable,  # noqa: F811
                                                     role):
    forms = reachable(role, pages_only=True)
    problems = run_all(app, client, forms, role)
    assert problems == [], "\n".join(problems)


# -- The decision, letter, payment, report and recovery forms ------------------------------------

def forms_on(client, pages: list[str]) -> list[Form]:
    found: dict = {}
    for page in pages:
        response = client.get(page)
        assert response.status_code == 200, page
        for form in forms_of(page, response.get_data(as_text=True)):
            found.setdefault(form.key, form)
    return list(found.values())


def fuzz_as(app, who_and_pages, label) -> list[str]:
    problems = []
    for who, pages in who_and_pages:
        client = app.test_client()
        login(client, who)
        problems += run_all(app, client, forms_on(client, pages), f"{label} {who.email}")
    return problems


def test_hostile_values_in_the_decision_forms(app, proposed):  # noqa: F811
    """Meetings, decisions (every outcome), rates, letters: as the manager, once the
    meeting is recorded (a decision names its meeting)."""
    from tests.decisions.test_recording import record_meeting
    client = app.test_client()
    login(client, proposed.lene)
    record_meeting(client, proposed)
    call = proposed.call.id
    pages = [f"/vedtak/utlysninger/{call}", "/vedtak/valutakurser",
             f"/vedtak/utlysninger/{call}/brev"] + [
        f"/vedtak/soknader/{application.id}" for application in proposed.apps.values()]
    problems = fuzz_as(app, [(proposed.lene, pages)], "decisions")
    assert problems == [], "\n".join(problems)


def test_hostile_values_in_the_grant_forms(app, busy):  # noqa: F811
    """Acceptance, payment requests and their decisions, final reports, recovery and
    repayment, the appeal: as the applicants, the caseworker and the manager."""
    world, ids = busy
    a, b = world.grants["A"].id, world.grants["B"].id
    rejected = world.apps["C"].id
    problems = fuzz_as(app, [
        (world.applicants["B"], [f"/mine-tilskudd/{b}"]),
        (world.applicants["A"], [f"/mine-tilskudd/{a}"]),
        (world.applicants["C"], [f"/mine-vedtak/soknader/{rejected}/klage"]),
        (world.sara, [f"/tilskudd/utbetalinger/{ids['submitted']}",
                      f"/tilskudd/sluttrapporter/{ids['report']}", f"/tilskudd/{a}",
                      f"/tilskudd/{b}"]),
        (world.lene, [f"/tilskudd/utbetalinger/{ids['approved']}", f"/tilskudd/{a}",
                      "/tilskudd/registre/stotteregisteret"]),
    ], "grants")
    assert problems == [], "\n".join(problems)


def test_hostile_values_in_the_payment_request_and_final_report(app, accepted):  # noqa: F811
    """The recipient's payment request and final report, with their cost and job lines."""
    a = accepted.grants["A"].id
    problems = fuzz_as(app, [(accepted.applicants["A"], [
        f"/mine-tilskudd/{a}/utbetalinger/ny", f"/mine-tilskudd/{a}/sluttrapport"])], "reports")
    assert problems == [], "\n".join(problems)


# -- What the fuzzing found, each kept as a test of its own --------------------------------------

def page_form(client, path: str, action: str | None = None) -> Form:
    return next(f for f in forms_on(client, [path]) if f.action.endswith(action or path))


def test_completing_an_assessment_with_a_criterion_unscored_says_so_on_that_criterion(
        app, client, world):
    """Found: the message named the criterion but linked to the whole form (#criteria)."""
    from fund.applications.models import Application
    from tests.helpers import declare
    users, values, _specific = world
    application = _db.session.get(Application, values["application_id"])
    criterion = application.call.criteria[0]
    login(client, users["cw"])
    declare(client, application)
    path = f"/saksbehandling/soknader/{application.id}/vurdering"
    pairs = [(name, value) for name, value in baseline(page_form(client, path))
             if name != f"score-{criterion.id}"]
    response = client.post(path, data=encoded(pairs + [("complete", "1")]),
                           content_type="application/x-www-form-urlencoded")
    answer = answer_of(client, response)
    assert f"score-{criterion.id}" in answer.error_fields
    assert f'id="score-{criterion.id}-err">Gi «{criterion.title}» en verdi.' in answer.body
    assert f'aria-describedby="score-{criterion.id}-desc score-{criterion.id}-err"' in answer.body


def test_a_grant_without_a_kdd_category_is_refused_on_that_field(app, proposed):  # noqa: F811
    """Found: the refusal stood above the form, tied to no field."""
    from tests.decisions.test_recording import record_meeting
    client = app.test_client()
    login(client, proposed.lene)
    record_meeting(client, proposed)
    path = f"/vedtak/soknader/{proposed.apps['A'].id}"
    pairs = [(name, value) for name, value in baseline(page_form(client, path))
             if name not in ("kdd_category", "outcome")]
    poster = Poster(app, client)
    answer, problems = poster.post(path, pairs + [("outcome", "granted"), ("kdd_category", "")])
    assert problems == []
    assert answer.status == 422 and answer.refused
    assert answer.error_fields == {"kdd_category"}
    assert 'id="kdd_category-err">Velg KDD-kategorien for tilskuddet.' in answer.body


def test_a_state_aid_basis_of_white_space_is_no_basis_not_a_server_error(app, proposed):  # noqa: F811
    """Found (on PostgreSQL's run): a form feed as the basis passed ``Optional`` unchecked,
    and the view took it for a StateAidBasis (ValueError, a 500)."""
    from tests.decisions.test_recording import record_meeting
    client = app.test_client()
    login(client, proposed.lene)
    record_meeting(client, proposed)
    path = f"/vedtak/soknader/{proposed.apps['A'].id}"
    pairs = [(name, value) for name, value in baseline(page_form(client, path))
             if name not in ("state_aid_basis", "outcome")]
    poster = Poster(app, client)
    for blank in ("\x0c", " ", "\t"):
        answer, problems = poster.post(path, pairs + [("outcome", "granted"),
                                                      ("state_aid_basis", blank)])
        assert problems == []
        assert answer.error_fields == {"state_aid_basis"}
        assert "Velg grunnlaget for støtten" in answer.body


@pytest.mark.parametrize("row, filled", [
    ("aid-0", {"grantor": "Innovasjon Norge", "granted_on": "2025-05-02"}),
    ("cost_lines-0", {"description": "Konsulent"}),
    ("financing_lines-0", {"description": "Egne midler"}),
])
@pytest.mark.parametrize("blank", [" ", "\u2028", "\x0c"])
def test_a_row_with_an_amount_of_white_space_is_refused_on_the_amount(app, client, world, row,
                                                                      filled, blank):
    """Found: ``Optional`` took the white space for no amount and stopped the row's own
    check, so the row went to the database without its amount (IntegrityError, a 500)."""
    from fund.calls.models import Call
    from tests.helpers import make_application
    users, values, _specific = world
    a = users["a"]
    draft = make_application(_db.session.get(Call, values["call_id"]),
                             a.memberships[0].organisation, a, complete=False)
    _db.session.commit()
    login(client, a)
    path = f"/soknader/{draft.id}"
    form = page_form(client, path)
    changed = {f"{row}-{name}": value for name, value in filled.items()} | {
        f"{row}-amount": blank}
    pairs = [(name, value) for name, value in baseline(form)
             if not name.startswith(f"{row}-") or name.endswith(("-category", "-kind"))]
    poster = Poster(app, client)
    answer, problems = poster.post(path, pairs + list(changed.items()),
                                   clean_save=None)
    assert [p for p in problems if "rows changed" not in p] == []  # a draft keeps the rest
    assert f"{row}-amount" in answer.error_fields
    assert "Fyll ut hvem, dato og beløp" in answer.body or "hele kroner" in answer.body


def test_a_reason_for_exemption_too_long_is_refused_not_cut_short(app, client, world):
    """Found: the reason was cut to 2000 characters without a word."""
    from fund.calls.models import Call
    from tests.helpers import make_application
    users, values, _specific = world
    a = users["a"]
    draft = make_application(_db.session.get(Call, values["call_id"]),
                             a.memberships[0].organisation, a, complete=False)
    _db.session.commit()
    login(client, a)
    path = f"/soknader/{draft.id}"
    pairs = [(name, value) for name, value in baseline(page_form(client, path))
             if not name.startswith("exempt-")]
    answer, problems = Poster(app, client).post(path, pairs + [
        ("exempt-goals", "y"), ("exempt-reason-goals", "Forretningshemmelighet. " * 100)])
    assert "exempt-reason-goals" in answer.error_fields
    assert "Teksten er for lang: høyst 2000 tegn, du har skrevet 2399." in answer.body
    assert not [p for p in problems if "rows changed" not in p]
    assert not [p for p in problems if "exemption_requests" in p]  # the draft keeps the rest
