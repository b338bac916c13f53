"""Accessibility on every page (issue 12): each role walks every page it can reach in the
demo, in Norwegian and English, at 1280, 390 and 320 CSS px. On each: axe-core finds no
WCAG 2.1 A/AA violation, the page does not scroll sideways (WCAG 1.4.10: a wide table
scrolls inside its own ``.table-scroll`` region), and it has exactly one h1. Then forms in
their error state, the sticky save bar and focus, scroll regions as tab stops, charts,
live regions and 200 % zoom.

One browser context per role and language; each page is loaded once and checked at the
three widths by resizing the viewport. The placeholders in the paths ({draft}, {grant} …)
are filled in from the demo data, so the pages are the real ones.
"""

import re

import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from fund.applications.models import Application, ApplicationState
from fund.auth.models import User
from fund.calls.models import Call
from fund.decisions.models import Appeal, Decision
from fund.extensions import db
from fund.grants.models import FinalReport, Grant, GrantState, PaymentRequest
from fund.plan.loader import DATA_DIR, load_plan, read_plan_file
from fund.plan.models import PlanVersion
from fund.reports.models import ContextFigure
from fund.review.models import ExportJob
from tests.browser.pages import (
    DESKTOP,
    NARROW,
    PHONE,
    axe_violations,
    login,
    obscured_focus,
    sideways_overflow,
)

WIDTHS = {1280: DESKTOP, 390: PHONE, 320: NARROW}
LANGUAGES = ["nb", "en"]

#: Every page each role can reach in the demo: the public pages by the anonymous visitor,
#: then each role's own pages (a page the header changes when logged in is walked again by
#: the applicant). Pages of one template are walked once per state the demo has them in.
PAGES = {
    "anonym": [
        "/", "/utlysninger/{open_call}", "/utlysninger/{decided_call}", "/plan/",
        "/plan/2022-2024", "/tilskudd-tildelt", "/logg-inn", "/registrer", "/glemt-passord",
        "/send-bekreftelse", "/personvern", "/tilgjengelighet", "/konto-avsluttet",
    ],
    "soker@demo.no": [
        "/", "/min-side", "/utlysninger/{open_call}", "/soknader",
        "/utlysninger/{open_call}/soknad",
        "/soknader/{draft}", "/soknader/{draft}/send-inn", "/soknader/{draft}/slett",
        "/soknader/{submitted}", "/soknader/{submitted}/kvittering",
        "/soknader/{submitted}/trekk",
        "/soknader/{granted_app}", "/soknader/{granted_app}/kvittering",
        "/soknader/{completed_app}", "/soknader/{revoked_app}", "/soknader/{lapsed_app}",
        "/mine-vedtak/soknader/{granted_app}/klage",
        "/mine-tilskudd/{grant}", "/mine-tilskudd/{grant}/utbetalinger/ny",
        "/mine-tilskudd/{grant}/sluttrapport",
        "/mine-tilskudd/{completed_grant}", "/mine-tilskudd/{completed_grant}/sluttrapport",
        "/mine-tilskudd/{revoked_grant}", "/mine-tilskudd/{lapsed_grant}",
        "/organisasjoner/{organisation}", "/organisasjoner/{organisation}/rediger",
        "/organisasjoner/ny", "/organisasjoner/krav",
        "/min-side/dine-data", "/min-side/avslutt-konto",
    ],
    "soker2@demo.no": [
        "/soknader", "/soknader/{other_draft}", "/soknader/{rejected_app}",
        "/soknader/{dismissed_app}", "/mine-vedtak/soknader/{dismissed_app}/klage",
    ],
    "saksbehandler@demo.no": [
        "/", "/min-side", "/saksbehandling/soknader",
        "/saksbehandling/soknader/{submitted}", "/saksbehandling/soknader/{submitted}/vurdering",
        "/saksbehandling/soknader/{submitted}/inhabil",
        "/saksbehandling/soknader/{other_submitted}",
        "/saksbehandling/soknader/{granted_app}", "/saksbehandling/soknader/{rejected_app}",
        "/saksbehandling/soknader/{revoked_app}",
        "/saksbehandling/utlysninger/{open_call}/rangering",
        "/saksbehandling/utlysninger/{decided_call}/rangering",
        "/organisasjoner/oppfolging", "/organisasjoner/{organisation}",
        "/tilskudd/utlysninger/{decided_call}", "/tilskudd/{grant}",
        "/tilskudd/{completed_grant}", "/tilskudd/{revoked_grant}", "/tilskudd/{lapsed_grant}",
        "/tilskudd/utbetalinger/{payment}", "/tilskudd/sluttrapporter/{final_report}",
        "/vedtak/klager/{appeal}", "/rapporter/dekning", "/min-side/avslutt-konto",
    ],
    "saksbehandler2@demo.no": [
        "/min-side", "/saksbehandling/soknader", "/saksbehandling/soknader/{submitted}",
        "/saksbehandling/soknader/{submitted}/vurdering",
        "/saksbehandling/soknader/{granted_app}/habilitet",
        "/saksbehandling/utlysninger/{open_call}/rangering",
    ],
    "leder@demo.no": [
        "/min-side", "/forvaltning/utlysninger", "/forvaltning/utlysninger/ny",
        "/forvaltning/utlysninger/{open_call}", "/forvaltning/utlysninger/{open_call}/kriterier",
        "/forvaltning/utlysninger/{open_call}/tiltak",
        "/forvaltning/utlysninger/{decided_call}",
        "/forvaltning/utlysninger/{draft_call}", "/forvaltning/utlysninger/{draft_call}/publiser",
        "/utlysninger/{draft_call}",
        "/plan/2022-2024/prioritering",
        "/saksbehandling/soknader", "/saksbehandling/soknader/{submitted}/habilitet",
        "/saksbehandling/soknader/{granted_app}",
        "/saksbehandling/soknader/{granted_app}/vurdering",
        "/saksbehandling/soknader/{granted_app}/inhabil",
        "/saksbehandling/utlysninger/{open_call}/rangering",
        "/saksbehandling/utlysninger/{open_call}/forslag",
        "/saksbehandling/utlysninger/{open_call}/avslutt",
        "/saksbehandling/utlysninger/{decided_call}/rangering",
        "/saksbehandling/utlysninger/{decided_call}/forslag",
        "/saksbehandling/utlysninger/{decided_call}/eksport/jobb/{export_job}",
        "/vedtak/utlysninger/{open_call}", "/vedtak/utlysninger/{decided_call}",
        "/vedtak/utlysninger/{decided_call}/brev", "/vedtak/utlysninger/{decided_call}/send",
        "/vedtak/soknader/{submitted}",
        "/vedtak/soknader/{granted_app}", "/vedtak/soknader/{rejected_app}",
        "/vedtak/klager/{appeal}", "/vedtak/valutakurser",
        "/tilskudd/utlysninger/{decided_call}", "/tilskudd/{grant}",
        "/tilskudd/utbetalinger/{payment}", "/tilskudd/sluttrapporter/{final_report}",
        "/tilskudd/registre/stotteregisteret", "/tilskudd/registre/stotteregisteret/eksport",
        "/tilskudd/registre/kdd",
        "/rapporter/dekning", "/rapporter/kontekst", "/rapporter/kontekst/{context_figure}/slett",
        "/organisasjoner/oppfolging",
    ],
    "admin@demo.no": [
        "/min-side", "/admin/brukere", "/admin/brukere/{caseworker}", "/admin/logg/",
        "/plan/admin", "/organisasjoner/{organisation}/rediger",
        "/plan/{draft_plan}", "/plan/{draft_plan}/publiser", "/plan/{draft_plan}/slett",
    ],
}

#: GET routes that are not pages to check, and why.
NOT_PAGES = {
    "static": "files",
    "core.healthz": "health check for the load balancer",
    "reports.public_json": "JSON",
    "auth.verify_email": "a link from an e-mail that redirects",
    "auth.reset_password": "needs a token from an e-mail; same form as /registrer",
    "auth.confirm_role": "redirects unless the Enhetsregisteret lookup is on",
    "calls.edit_call": "the demo has no planned call; same template as /forvaltning/utlysninger/ny",
    "review.export_file": "a file (PDF or Excel)",
}
FILE_ROUTE = re.compile(r"\.(pdf|csv|xlsx|json)|<any\(|dokumenter|vedlegg/")


def _demo_ids(session) -> dict[str, int]:
    def app(title):
        return session.scalar(select(Application.id).where(Application.title == title))

    def grant(state):
        return session.scalar(select(Grant).where(Grant.state == state))

    def draft_of(email):
        user = session.scalar(select(User).where(User.email == email))
        return session.scalar(select(Application).where(
            Application.created_by_id == user.id, Application.state == ApplicationState.DRAFT)
            .order_by(Application.id))

    draft = draft_of("soker@demo.no")
    granted, completed = grant(GrantState.ACCEPTED), grant(GrantState.COMPLETED)
    revoked, lapsed = grant(GrantState.REVOKED), grant(GrantState.LAPSED)
    rejected = session.scalar(select(Decision.application_id).where(
        Decision.outcome == "rejected", Decision.application_id.not_in(
            [revoked.application_id])))
    return {
        "open_call": session.scalar(select(Call.id).where(Call.title == "Næringsfondet 2027")),
        "decided_call": session.scalar(select(Call.id).where(Call.title == "Klimafondet 2026")),
        "draft": draft.id,
        "submitted": app("Varmepumpe og solceller på Kjeller"),
        "other_submitted": app("Lokalmat til konferansegjester"),
        "organisation": draft.organisation_id,
        "granted_app": granted.application_id, "grant": granted.id,
        "completed_app": completed.application_id, "completed_grant": completed.id,
        "revoked_app": revoked.application_id, "revoked_grant": revoked.id,
        "lapsed_app": lapsed.application_id, "lapsed_grant": lapsed.id,
        "rejected_app": rejected,
        "dismissed_app": session.scalar(select(Decision.application_id).where(
            Decision.outcome == "dismissed")),
        "other_draft": draft_of("soker2@demo.no").id,
        "payment": session.scalar(select(PaymentRequest.id).where(
            PaymentRequest.grant_id == granted.id)),
        "final_report": session.scalar(select(FinalReport.id)),
        "appeal": session.scalar(select(Appeal.id)),
        "context_figure": session.scalar(select(ContextFigure.id)),
        "caseworker": session.scalar(select(User.id).where(
            User.email == "saksbehandler@demo.no")),
        "draft_call": session.scalar(select(Call.id).where(Call.published_at.is_(None))),
        "draft_plan": DRAFT_PLAN,
        "export_job": session.scalar(select(ExportJob.id)),
    }


#: A plan an administrator has uploaded and not yet published (the demo has none).
DRAFT_PLAN = "2025-2028"


@pytest.fixture(scope="session")
def demo_ids(demo_site):
    with demo_site.database():
        if not db.session.scalar(select(PlanVersion.id).where(
                PlanVersion.period == DRAFT_PLAN)):
            plan = read_plan_file(DATA_DIR / "handlingsplan-2022-2024.yaml")
            load_plan({**plan, "period": DRAFT_PLAN,
                       "title": "Handlingsplan 2025–2028 (utkast)"}, draft=True)
    with demo_site.database() as session:
        ids = _demo_ids(session)
        db.session.rollback()
    assert all(ids.values()), ids
    return ids


class Visitor:
    """One role in one language: a logged-in browser tab kept open across the tests."""

    def __init__(self, browser, site, role, language):
        self.context = browser.new_context(locale="nb-NO", timezone_id="Europe/Oslo",
                                           viewport=DESKTOP)
        self.page = self.context.new_page()
        self.site, self.role, self.language = site, role, language
        self.path = None
        if role != "anonym":
            login(self.page, site.url, role)
        else:
            self.page.goto(site.url + "/")
        if language == "en":
            self.switch_language("en")

    def switch_language(self, code):
        with self.page.expect_navigation():
            self.page.locator(f"header button[name=lang][value={code}]").click()
        expect(self.page.locator("html")).to_have_attribute("lang", code)

    def open(self, path):
        if path != self.path:
            self.page.set_viewport_size(DESKTOP)
            response = self.page.goto(self.site.url + path)
            assert response.status == 200, (path, response.status)
            assert self.role == "anonym" or "/logg-inn" not in self.page.url, \
                ("logged out", self.role, path)
            self.path = path
        return self.page

    def close(self):
        if self.language == "en":
            # The user's saved language goes back to Norwegian for the other tests.
            self.page.goto(self.site.url + "/")
            self.switch_language("nb")
        self.context.close()


@pytest.fixture(scope="session")
def visitors(browser, demo_site):
    opened = {}

    def visitor(role, language):
        key = (role, language)
        if key not in opened:
            for other in [k for k in opened if k != key]:
                opened.pop(other).close()
            opened[key] = Visitor(browser, demo_site, role, language)
        return opened[key]

    yield visitor
    for each in opened.values():
        each.close()


def resize(page, viewport):
    """A new window size, and the page's own scripts (the scroll regions' tab stops) have
    seen it."""
    page.set_viewport_size(viewport)
    page.evaluate("() => new Promise(r => requestAnimationFrame(() => requestAnimationFrame(r)))")


CASES = [(role, language, path, width)
         for role, paths in PAGES.items() for language in LANGUAGES
         for path in paths for width in WIDTHS]


@pytest.mark.parametrize(("role", "language", "path", "width"), CASES)
def test_page_is_accessible(visitors, demo_ids, role, language, path, width):
    page = visitors(role, language).open(path.format(**demo_ids))
    resize(page, WIDTHS[width])
    found = {"lang": page.locator("html").get_attribute("lang"),
             "h1": page.locator("h1").count(),
             "sideways": sideways_overflow(page),
             "regions": [r for r in _regions(page) if r["stop"] != r["scrolls"] or not r["id"]],
             "axe": axe_violations(page)}
    assert found == {"lang": language, "h1": 1, "sideways": 0, "regions": [], "axe": []}


def test_every_page_of_the_app_is_in_the_walk(demo_site):
    """A new GET page must be added to PAGES (or to NOT_PAGES with a reason)."""
    walked = set()
    for paths in PAGES.values():
        for path in paths:
            walked.add(re.sub(r"\{\w+\}", "1", path))
    adapter = demo_site.app.url_map.bind("127.0.0.1")
    missing = []
    for rule in demo_site.app.url_map.iter_rules():
        if "GET" not in rule.methods or rule.endpoint in NOT_PAGES \
                or FILE_ROUTE.search(rule.rule):
            continue
        if not any(_matches(adapter, path, rule.endpoint) for path in walked):
            missing.append(rule.rule)
    assert missing == []


def _matches(adapter, path, endpoint):
    try:
        return adapter.match(path, method="GET")[0] == endpoint
    except Exception:
        return False


# --- Forms in their error state -------------------------------------------------------

#: (role, page, what to do before sending, the button that sends). Invalid values are
#: refused by the form's validation, so nothing is saved that the walk above would see.
FORMS_WITH_ERRORS = {
    "register": ("anonym", "/registrer", {}, "Opprett konto"),
    "organisation": ("soker@demo.no", "/organisasjoner/ny", {"#orgnr": "123456789"}, "Lagre"),
    "application": ("soker2@demo.no", "/soknader/{other_draft}",
                    {"#amount_applied": "-5"}, "Lagre utkast"),
    "assessment": ("saksbehandler@demo.no", "/saksbehandling/soknader/{submitted}/vurdering",
                   {"#recommended_amount": "-5"}, "Lagre uten å fullføre"),
    "new call": ("leder@demo.no", "/forvaltning/utlysninger/ny", {}, "Lagre"),
}


@pytest.mark.parametrize("width", [1280, 320])
@pytest.mark.parametrize("name", list(FORMS_WITH_ERRORS))
def test_a_form_with_errors_is_accessible(page, demo_site, demo_ids, name, width):
    role, path, fill, button = FORMS_WITH_ERRORS[name]
    if role != "anonym":
        login(page, demo_site.url, role)
    page.set_viewport_size(WIDTHS[width])
    page.goto(demo_site.url + path.format(**demo_ids))
    for selector, value in fill.items():
        page.locator(selector).fill(value)
    page.get_by_role("button", name=button, exact=True).first.click()
    page.wait_for_load_state()
    summary = page.locator(".ds-error-summary")
    assert summary.count() == 1, page.inner_text("main")[:500]
    # Focus moves to the summary, so a screen reader reads it first.
    assert page.evaluate("document.activeElement.closest('.ds-error-summary') !== null")
    targets = [href for href in summary.locator("a").evaluate_all(
        "links => links.map(a => a.getAttribute('href'))")]
    assert targets, "the summary links to the fields"
    missing = page.evaluate("""hrefs => hrefs.filter(h => !h.startsWith('#') ||
                                   !document.getElementById(decodeURIComponent(h.slice(1))))""",
                            targets)
    assert missing == []
    assert page.locator("[aria-invalid=true]").count() >= 1
    assert sideways_overflow(page) == 0
    assert axe_violations(page) == []


# --- The sticky save bar does not hide the focused field (WCAG 2.4.11) -------------------

STICKY_FORMS = {
    "application": ("soker2@demo.no", "/soknader/{other_draft}"),
    "assessment": ("saksbehandler@demo.no", "/saksbehandling/soknader/{submitted}/vurdering"),
}


@pytest.mark.parametrize("width", [1280, 390])
@pytest.mark.parametrize("name", list(STICKY_FORMS))
def test_the_sticky_save_bar_never_hides_the_focused_field(page, demo_site, demo_ids, name,
                                                           width):
    role, path = STICKY_FORMS[name]
    login(page, demo_site.url, role)
    page.set_viewport_size(WIDTHS[width])
    page.goto(demo_site.url + path.format(**demo_ids))
    assert page.locator(".sticky-actions").count() == 1
    assert obscured_focus(page, ".sticky-actions") == []


# --- Scroll regions are tab stops only when they scroll ----------------------------------

def _regions(page):
    return page.locator(".table-scroll").evaluate_all(
        """regions => regions.map(r => ({id: r.getAttribute('aria-labelledby') ||
                                               r.getAttribute('aria-label'),
                                          scrolls: r.scrollWidth > r.clientWidth + 1,
                                          stop: r.getAttribute('tabindex') === '0'}))""")


def test_a_table_region_is_a_tab_stop_only_while_it_scrolls(page, demo_site):
    login(page, demo_site.url, "leder@demo.no")
    page.goto(demo_site.url + "/rapporter/dekning")
    wide = _regions(page)
    assert wide and all(r["stop"] == r["scrolls"] and r["id"] for r in wide)
    assert sum(r["stop"] for r in wide) < len(wide) / 2, "most tables fit at 1280"
    resize(page, NARROW)
    narrow = _regions(page)
    assert all(r["stop"] == r["scrolls"] for r in narrow)
    assert sum(r["stop"] for r in narrow) > sum(r["stop"] for r in wide)
    resize(page, DESKTOP)
    assert _regions(page) == wide


# --- Charts, live regions, zoom ------------------------------------------------------------

def test_the_coverage_charts_have_text_alternatives_and_data_tables(page, demo_site):
    login(page, demo_site.url, "leder@demo.no")
    page.goto(demo_site.url + "/rapporter/dekning")
    charts = page.locator("main svg.chart").evaluate_all(
        """svgs => svgs.map(svg => ({
            role: svg.getAttribute('role'),
            name: (svg.getAttribute('aria-labelledby') || '').split(/\\s+/)
                    .map(id => (document.getElementById(id) || {}).textContent || '')
                    .join(' ').trim(),
            title: !!svg.querySelector('title'),
            table: (svg.closest('.chart-with-table') || document).querySelectorAll(
                    'table tbody tr').length}))""")
    assert len(charts) >= 3
    for chart in charts:
        assert chart["role"] == "img" and chart["title"] and len(chart["name"]) > 20, chart
        assert chart["table"] > 0, chart


def test_autosave_and_the_counters_are_announced_politely(page, demo_site, demo_ids):
    login(page, demo_site.url, "soker2@demo.no")
    page.goto(demo_site.url + "/soknader/{other_draft}".format(**demo_ids))
    status = page.locator("#autosave-status")
    assert status.get_attribute("role") == "status"
    assert status.get_attribute("aria-live") == "polite"
    assert page.locator("#financing-summary").get_attribute("aria-live") == "polite"
    # The summary's character counter is the form's only count that changes as you type.
    counter = page.locator("#summary-counter")
    assert counter.get_attribute("aria-live") == "polite"
    counted, before = counter.inner_text(), status.inner_text()
    page.locator("#summary").press("End")
    page.locator("#summary").type(" mer")
    assert counter.inner_text() != counted
    # Autosave reports into the status region a few seconds later.
    page.wait_for_function("before => document.getElementById('autosave-status')"
                           ".textContent.trim() !== before.trim()", arg=before, timeout=20000)


ZOOM_PAGES = [
    ("anonym", "/"), ("anonym", "/utlysninger/{open_call}"),
    ("soker@demo.no", "/soknader/{draft}"), ("soker@demo.no", "/soknader"),
    ("saksbehandler@demo.no", "/saksbehandling/soknader"),
    ("saksbehandler@demo.no", "/saksbehandling/soknader/{submitted}"),
    ("saksbehandler@demo.no", "/saksbehandling/soknader/{submitted}/vurdering"),
    ("leder@demo.no", "/saksbehandling/utlysninger/{open_call}/rangering"),
    ("leder@demo.no", "/forvaltning/utlysninger/{open_call}"),
    ("leder@demo.no", "/rapporter/dekning"),
    ("admin@demo.no", "/admin/brukere"), ("admin@demo.no", "/admin/logg/"),
]

CUT_OFF = """() => [...document.querySelectorAll('body *')].filter(el => {
    const style = getComputedStyle(el);
    if (!['hidden', 'clip'].includes(style.overflowX) || el.closest('.ds-sr-only')) return false;
    const r = el.getBoundingClientRect();
    if (r.width <= 2 || r.height <= 2) return false;   // visually hidden on purpose
    return el.scrollWidth > el.clientWidth + 1;
}).map(el => el.tagName.toLowerCase() + '.' + el.className + ': ' +
             el.textContent.trim().slice(0, 60))"""


@pytest.mark.parametrize(("role", "path"), ZOOM_PAGES)
def test_the_key_pages_work_at_200_percent_zoom(browser, demo_site, demo_ids, role, path):
    """A 1280×900 window zoomed to 200 % is a 640×450 CSS px viewport at 2 device px."""
    context = browser.new_context(viewport={"width": 640, "height": 450},
                                  device_scale_factor=2, locale="nb-NO")
    page = context.new_page()
    try:
        if role != "anonym":
            login(page, demo_site.url, role)
        page.goto(demo_site.url + path.format(**demo_ids))
        assert sideways_overflow(page) == 0
        assert page.evaluate(CUT_OFF) == []
        bar = page.locator(".sticky-actions")
        if bar.count():
            assert bar.bounding_box()["height"] < 450 / 3
    finally:
        context.close()
