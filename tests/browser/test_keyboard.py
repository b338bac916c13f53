"""The application form with the keyboard alone (WCAG 2.1.1 Keyboard): Tab and Shift+Tab
to move, typing into fields, Space on checkboxes and the file picker, Enter on summaries
and buttons. No clicks and no ``fill``: what a person without a mouse can do."""

import re
from datetime import timedelta

import pytest
from playwright.sync_api import Page, expect
from playwright.sync_api import TimeoutError as PlaywrightTimeout

from fund.core.roles import Role
from tests.browser.pages import login
from tests.browser.test_story import pdf_file
from tests.helpers import PASSWORD, make_call, make_organisation, make_user
from tests.served import Served

expect.set_options(timeout=10_000)
APPLICANT = "tastatur@kjeller.no"


@pytest.fixture
def keyboard_site(tmp_path, chromium_path):
    """An applicant with her organisation, and an open call (a site of its own)."""
    server = Served(tmp_path, suffix="keyboard")
    with server.database():
        user = make_user(APPLICANT, Role.APPLICANT, "Tora Tastatur")
        make_organisation(user, orgnr="923456783", name="Tastatur AS")
        make_call(title="Næringsfondet 2027", closes_in=timedelta(days=10))
    try:
        yield server
    finally:
        server.stop()


def focused(page: Page) -> dict:
    return page.evaluate("""() => {
        const el = document.activeElement;
        const label = el.labels && el.labels.length ? el.labels[0].textContent : '';
        return {id: el.id, tag: el.tagName.toLowerCase(), type: el.type || '',
                label: label.trim().replace(/\\s+/g, ' '),
                text: (el.textContent || '').trim().replace(/\\s+/g, ' ').slice(0, 120)};
    }""")


def tab_to(page: Page, matches, key: str = "Tab", limit: int = 400) -> dict:
    """Press Tab (or Shift+Tab) until the focused element matches; fail if it never does
    (the keyboard cannot reach it)."""
    seen = []
    for _ in range(limit):
        page.keyboard.press(key)
        now = focused(page)
        if matches(now):
            return now
        seen.append(now["id"] or now["text"][:30])
    raise AssertionError(f"the keyboard never reached it; focus went through {seen[-40:]}")


def by_id(element_id: str):
    return lambda f: f["id"] == element_id


def by_label(pattern: str):
    return lambda f: re.search(pattern, f["label"]) is not None


def type_into(page: Page, element_id: str, text: str) -> None:
    tab_to(page, by_id(element_id))
    page.keyboard.type(text)


def type_date(page: Page, element_id: str, iso: str) -> None:
    """Type a date into the date field's segments, day first as in Norway. Chromium lays
    the segments out after its own locale, not the page's; when the field shows the
    month first, go back to it with Shift+Tab and type again, as a person would."""
    tab_to(page, by_id(element_id))
    year, month, day = iso.split("-")
    page.keyboard.type(day + month + year)
    if page.locator(f"#{element_id}").input_value() != iso:
        page.keyboard.press("Shift+Tab")
        page.keyboard.press("Shift+Tab")
        page.keyboard.type(month + day + year)
    expect(page.locator(f"#{element_id}")).to_have_value(iso)


def test_the_application_form_with_the_keyboard_alone(page, keyboard_site, tmp_path):
    site = keyboard_site
    page.set_default_timeout(10_000)
    login(page, site.url, APPLICANT, PASSWORD)
    page.goto(site.url + "/")
    # «Søk nå» and «Start søknad» with Enter.
    tab_to(page, lambda f: f["text"].startswith("Søk nå"))
    page.keyboard.press("Enter")
    expect(page.locator("h1")).to_have_text("Start søknad: Næringsfondet 2027")
    tab_to(page, lambda f: f["tag"] == "button" and f["text"] == "Start søknad")
    page.keyboard.press("Enter")
    expect(page.locator("h1")).to_have_text("Ny søknad")

    type_into(page, "contact_name", "Tora Tastatur")
    type_into(page, "project_leader", "Tora Tastatur")
    type_into(page, "title", "Tastaturprosjektet")
    type_into(page, "summary", "Et prosjekt fylt ut uten mus.")
    type_into(page, "description", "Vi tester skjemaet med tastaturet.")
    type_into(page, "background", "Ikke alle bruker mus.")
    type_into(page, "goals", "Alle felt kan nås.")
    type_into(page, "anchoring", "Styret sa ja.")
    type_date(page, "starts_on", "2027-04-01")
    type_date(page, "ends_on", "2027-12-31")
    # Back with Shift+Tab to check the start date, then on again.
    tab_to(page, by_id("starts_on"), key="Shift+Tab")
    tab_to(page, by_id("not_started"))
    page.keyboard.press("Space")
    type_into(page, "additionality", "Uten tilskudd blir det ikke noe av.")

    # The plan: open the area with Enter, tick the measure with Space, write how.
    tab_to(page, lambda f: f["tag"] == "summary" and f["text"].startswith("Innsatsområde 5:"))
    page.keyboard.press("Enter")
    measure = tab_to(page, by_label(r"^5C-2 "))
    page.keyboard.press("Space")
    tab_to(page, by_label(r"^Hvordan bidrar prosjektet til 5C-2\?"))
    page.keyboard.type("Vi viser at skjemaet virker for alle.")

    type_into(page, "knowledge_jobs", "1")
    # The budget: a select takes the first letters of its option, amounts are typed.
    tab_to(page, by_id("cost_lines-0-category"))
    page.keyboard.type("Utstyr")
    type_into(page, "cost_lines-0-description", "Tastaturer")
    type_into(page, "cost_lines-0-amount", "100000")
    tab_to(page, by_id("financing_lines-0-kind"))
    page.keyboard.type("Egne")
    type_into(page, "financing_lines-0-amount", "50000")
    type_into(page, "amount_applied", "50000")
    expect(page.locator("#share-applied")).to_have_text(re.compile("50"))

    # An attachment: Space on the file field opens the picker.
    pdf_file(tmp_path / "plan.pdf")
    chooser = None
    for _attempt in range(2):  # once more if the picker did not open (a busy machine)
        if focused(page)["id"] != "files":
            tab_to(page, by_id("files"))
        try:
            with page.expect_file_chooser(timeout=15_000) as chooser:
                page.keyboard.press("Space")
            break
        except PlaywrightTimeout:
            chooser = None
    assert chooser is not None, "Space on the file field opened no file picker"
    chooser.value.set_files(tmp_path / "plan.pdf")

    tab_to(page, lambda f: f["tag"] == "button" and f["text"] == "Lagre utkast")
    page.keyboard.press("Enter")
    expect(page.locator("h1")).to_have_text("Tastaturprosjektet")
    assert page.locator("#error-summary").count() == 0, page.inner_text("#error-summary")
    expect(page.get_by_text(re.compile("^Utkastet er lagret"))).to_be_visible()

    # The draft holds what was typed.
    values = {"title": "Tastaturprosjektet", "summary": "Et prosjekt fylt ut uten mus.",
              "anchoring": "Styret sa ja.", "starts_on": "2027-04-01",
              "ends_on": "2027-12-31", "cost_lines-0-category": "equipment",
              "cost_lines-0-amount": "100000", "financing_lines-0-kind": "own_funds",
              "financing_lines-0-amount": "50000", "amount_applied": "50000",
              "knowledge_jobs": "1"}
    for element_id, value in values.items():
        expect(page.locator(f"#{element_id}")).to_have_value(value)
    expect(page.locator("#not_started")).to_be_checked()
    expect(page.locator(f"#{measure['id']}")).to_be_checked()
    expect(page.get_by_label("Hvordan bidrar prosjektet til 5C-2?", exact=True)).to_have_value(
        "Vi viser at skjemaet virker for alle.")
    expect(page.locator(".attachment-list a")).to_have_text(["plan.pdf"])
