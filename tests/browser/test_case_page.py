"""The case page in a real browser: the whole application, readable on a phone."""

from tests.browser.pages import NARROW, PHONE, axe_violations, login, sideways_overflow


def open_first_case(page, base):
    """The first case in the caseworker's queue, declaring «not inhabil» if asked first."""
    page.goto(base + "/saksbehandling/soknader")
    page.locator("table a[href*='/saksbehandling/soknader/']").first.click()
    page.wait_for_load_state()
    if page.url.endswith("/habilitet"):
        page.locator("input[name=disqualified][value=no]").check()
        page.locator("input[name=advised][value=no]").check()
        page.locator("form button[type=submit]").last.click()
        page.wait_for_load_state()


def test_the_case_page_shows_the_budget_and_reflows_on_a_phone(page, demo_site):
    login(page, demo_site.url, "saksbehandler@demo.no")
    open_first_case(page, demo_site.url)
    main = page.locator("main")
    assert main.get_by_role("heading", name="Kostnader").count() == 1
    assert main.get_by_role("heading", name="Finansiering").count() == 1
    assert axe_violations(page) == []
    page.set_viewport_size(PHONE)
    assert sideways_overflow(page) == 0
    page.set_viewport_size(NARROW)
    assert sideways_overflow(page) == 0


def test_the_assessment_page_opens_the_application_beside_the_rubric(page, demo_site):
    login(page, demo_site.url, "saksbehandler@demo.no")
    open_first_case(page, demo_site.url)
    page.goto(page.url.split("#")[0] + "/vurdering")
    page.locator("#soknaden summary").click()
    assert page.locator("#soknaden").get_by_role("heading", name="Kostnader").is_visible()
    assert axe_violations(page) == []
    page.set_viewport_size(NARROW)
    assert sideways_overflow(page) == 0
