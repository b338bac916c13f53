"""The pages of issue 14, found in the generated data, and their targets."""

import html
import math
import re
from dataclasses import dataclass, field

import requests
from sqlalchemy import create_engine, text

SUBMITTED = "('submitted', 'info_requested')"
MANY_APPLICANT = "soker-mange@demo.no"  #: the generator's applicant with ~1.2 % of N


@dataclass
class Page:
    key: str
    label: str
    path: str
    user: str | None  #: "caseworker", "manager", "applicant" or None (anonymous)
    #: ("ratio", x): req/s ≥ x × floor; ("p50", ms): single-client median ≤ ms;
    #: ("time", ms): each single request ≤ ms; None: context only.
    target: tuple[str, float] | None = None
    wrk: bool = True  #: loaded with wrk; else single timed requests only
    repeat: int = 3  #: single timed requests
    notes: list[str] = field(default_factory=list)


@dataclass
class Facts:
    """What the pages need from the data."""

    applicant: str
    applicant_applications: int
    biggest_call: int | None
    biggest_call_submitted: int
    innstilling_call: int | None
    innstilling_submitted: int
    strategy: str | None
    measure: str | None
    drafts: list[int]
    submitted: list[int]
    letter: int | None
    year: int | None
    plan_id: int | None
    applications: int


def _one(conn, sql: str, **params):
    return conn.execute(text(sql), params).first()


def facts(url: str) -> Facts:
    """Read the ids and codes the pages need from the benchmark database."""
    engine = create_engine(url)
    try:
        with engine.connect() as conn:
            return _facts(conn)
    finally:
        engine.dispose()


def _facts(conn) -> Facts:
    # the generator's applicant with many applications (soker-mange@demo.no), else the one
    # whose organisations have the most; counted as the dashboard shows them
    applicant = _one(conn, """
        SELECT u.email, count(*) FROM applications a
        JOIN memberships m ON m.organisation_id = a.organisation_id
        JOIN users u ON u.id = m.user_id
        WHERE u.email NOT LIKE 'rush%'
        GROUP BY u.email
        ORDER BY CASE WHEN u.email = :many THEN 0 ELSE 1 END, count(*) DESC, u.email
        LIMIT 1""", many=MANY_APPLICANT)
    per_call = f"""SELECT call_id, count(*) AS n FROM applications WHERE state IN {SUBMITTED}
                   GROUP BY call_id"""
    biggest = _one(conn, per_call + " ORDER BY n DESC, call_id LIMIT 1")
    # the call nearest 300 submitted, not counting the demo's own few-application calls
    innstilling = _one(conn, f"SELECT * FROM ({per_call}) c WHERE n >= 30 "
                             "ORDER BY abs(n - 300), call_id LIMIT 1") \
        or _one(conn, per_call + " ORDER BY abs(count(*) - 300), call_id LIMIT 1")
    measure = _one(conn, """
        SELECT s.code, m.code, count(*) FROM confirmed_measures cm
        JOIN plan_measures m ON m.id = cm.measure_id
        JOIN plan_strategies s ON s.id = m.strategy_id
        GROUP BY s.code, m.code ORDER BY count(*) DESC, m.code LIMIT 1""")
    email = applicant[0] if applicant else ""
    own = """FROM applications a JOIN memberships m ON m.organisation_id = a.organisation_id
             JOIN users u ON u.id = m.user_id JOIN calls c ON c.id = a.call_id
             WHERE u.email = :email"""
    drafts = [row[0] for row in conn.execute(text(f"""
        SELECT a.id {own} AND a.state = 'draft' ORDER BY c.closes_at DESC, a.id LIMIT 10"""),
        {"email": email})]
    submitted = [row[0] for row in conn.execute(text(f"""
        SELECT a.id {own} AND a.state IN {SUBMITTED} ORDER BY a.id LIMIT 5"""),
        {"email": email})]
    letter = _one(conn, "SELECT id FROM letters ORDER BY id LIMIT 1")
    year = _one(conn, """SELECT c.year FROM decisions d JOIN applications a
                         ON a.id = d.application_id JOIN calls c ON c.id = a.call_id
                         GROUP BY c.year ORDER BY count(*) DESC, c.year DESC LIMIT 1""")
    plan = _one(conn, """SELECT plan_id FROM calls WHERE plan_id IS NOT NULL GROUP BY plan_id
                         ORDER BY count(*) DESC LIMIT 1""")
    total = _one(conn, "SELECT count(*) FROM applications")[0]
    return Facts(
        applicant=email, applicant_applications=applicant[1] if applicant else 0,
        biggest_call=biggest[0] if biggest else None,
        biggest_call_submitted=biggest[1] if biggest else 0,
        innstilling_call=innstilling[0] if innstilling else None,
        innstilling_submitted=innstilling[1] if innstilling else 0,
        strategy=measure[0] if measure else None,
        measure=(measure[1] if measure and measure[1].startswith(measure[0])
                 else f"{measure[0]}-{measure[1]}") if measure else None,
        drafts=drafts, submitted=submitted, letter=letter[0] if letter else None,
        year=year[0] if year else None, plan_id=plan[0] if plan else None,
        applications=total)


def last_queue_page(url: str) -> int:
    """The queue's last page at its default size (it links only to the next page): the
    applications staff see, 50 a page."""
    from fund.applications.permissions import STAFF_VISIBLE
    from fund.review.forms import DEFAULT_PAGE_SIZE
    states = ", ".join(f"'{state.value}'" for state in STAFF_VISIBLE)
    engine = create_engine(url)
    try:
        with engine.connect() as conn:
            total = conn.execute(text(
                f"SELECT count(*) FROM applications WHERE state IN ({states})")).scalar()
    finally:
        engine.dispose()
    return max(1, math.ceil(total / DEFAULT_PAGE_SIZE))


_NEXT = re.compile(r'href="([^"]+)">Neste side')


def next_link(base: str, session: requests.Session, path: str) -> str | None:
    """The «Neste side» link of the page at ``path``: the next page as a reader reaches
    it, from the last row of the page before (the queue's keyset), or None."""
    reply = session.get(base + path, timeout=120, allow_redirects=False)
    found = _NEXT.search(reply.text) if reply.status_code == 200 else None
    return html.unescape(found[1]) if found else None


def first_ok(base: str, session: requests.Session, paths: list[str]) -> str | None:
    """The first of ``paths`` that answers 200 (no redirect)."""
    for path in paths:
        reply = session.get(base + path, timeout=120, allow_redirects=False)
        if reply.status_code == 200:
            return path
    return None


QUEUE = ("ratio", 0.5)
APPLICANT = ("ratio", 0.6)


QUICK = {"front", "queue", "dashboard", "ranking"}

#: The calls the innstilling's "300 applications, ≤ 5 s" target is judged on (submitted).
NEAR_300 = (200, 400)


def pages(f: Facts, deep_page: int, form_path: str | None, quick: bool = False,
          deep_path: str | None = None) -> list[Page]:
    """The issue's table, in the order run: light first, the heavy ones last (``quick``:
    a few of them, to prove the harness). ``deep_path``: the last page as its link from
    the page before gives it; else by its number."""
    if quick:
        return [p for p in pages(f, deep_page, form_path, deep_path=deep_path)
                if p.key in QUICK]
    queue = "/saksbehandling/soknader"
    result = [
        Page("front", "forside `/`", "/", None),
        Page("plan", "`/plan/`", "/plan/", None),
        Page("queue", "kø, side 1", queue, "caseworker", QUEUE),
        Page("queue_deep", f"kø, side {deep_page}" + (" (lenken)" if deep_path else ""),
             deep_path or f"{queue}?side={deep_page}", "caseworker", QUEUE),
        Page("queue_fund", "kø, fond=klimafond", f"{queue}?fond=klimafond", "caseworker",
             QUEUE),
    ]
    if f.strategy:
        result.append(Page("queue_strategy", f"kø, strategi={f.strategy}",
                           f"{queue}?strategi={f.strategy}", "caseworker", QUEUE))
    if f.measure:
        result.append(Page("queue_measure", f"kø, tiltak={f.measure}",
                           f"{queue}?tiltak={f.measure}", "caseworker", QUEUE))
    result += [
        Page("queue_mine", "kø, mine=1", f"{queue}?mine=1", "caseworker", QUEUE),
        Page("queue_unscored", "kø, uvurdert=1", f"{queue}?uvurdert=1", "caseworker", QUEUE),
    ]
    if f.biggest_call:
        result.append(Page("received", f"mottatt, største utlysning ({f.biggest_call_submitted})",
                           f"{queue}?utlysning={f.biggest_call}", "caseworker", QUEUE))
    result.append(Page("dashboard", f"søkers oversikt ({f.applicant_applications} søknader)",
                       "/soknader", "applicant", APPLICANT))
    if form_path:
        result.append(Page("form", "søknadsskjema (utkast)", form_path, "applicant",
                           APPLICANT))
    result += [
        Page("coverage", "dekningsrapport", "/rapporter/dekning", "manager", ("p50", 250)),
        Page("queue_rules", "kø, vilkar=1", f"{queue}?vilkar=1", "caseworker", QUEUE),
    ]
    if f.biggest_call:
        result.append(Page("ranking", f"rangering, største utlysning ({f.biggest_call_submitted})",
                           f"/saksbehandling/utlysninger/{f.biggest_call}/rangering",
                           "caseworker", ("p50", 300)))
    return result


def pdfs(f: Facts, quick: bool = False) -> list[Page]:
    """The exports timed as single requests (``quick``: the decision letter only)."""
    if quick:
        return [p for p in pdfs(f) if p.key == "letter_pdf"]
    result = []
    if f.innstilling_call and f.innstilling_submitted <= 1000:  # else it is not near 300
        # the target is for a call of 300; a call far from it is timed, not judged
        near = NEAR_300[0] <= f.innstilling_submitted <= NEAR_300[1]
        result.append(Page("innstilling_pdf",
                           f"innstilling PDF ({f.innstilling_submitted} søknader)",
                           f"/saksbehandling/utlysninger/{f.innstilling_call}/innstilling.pdf",
                           "manager", ("time", 5000) if near else None, wrk=False, repeat=1))
    if f.biggest_call and f.biggest_call != f.innstilling_call:
        result.append(Page("innstilling_pdf_biggest",
                           f"innstilling PDF, største utlysning ({f.biggest_call_submitted})",
                           f"/saksbehandling/utlysninger/{f.biggest_call}/innstilling.pdf",
                           "manager", ("p50", 300), wrk=False, repeat=1))
    if f.letter:
        result.append(Page("letter_pdf", "vedtaksbrev PDF", f"/vedtak/brev/{f.letter}.pdf",
                           "manager", ("p50", 300), wrk=False, repeat=3))
    if f.year:
        result.append(Page("yearly_pdf", f"årsrapport PDF ({f.year})",
                           f"/rapporter/dekning/eksport.pdf?aar={f.year}", "manager",
                           ("time", 3000), wrk=False, repeat=1))
    if f.submitted:
        result.append(Page("receipt_pdf", "kvittering PDF",
                           f"/soknader/{f.submitted[0]}/kvittering.pdf", "applicant", None,
                           wrk=False, repeat=3))
    return result
