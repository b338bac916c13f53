"""The manager's draft call in the demo, in a browser: marked as a draft, not on the front
page, and its publishing page passes axe and reflows at 320 px. (Nothing is published:
the demo site is shared by the session's browser tests.)"""

from tests.browser.pages import NARROW, axe_violations, login, sideways_overflow


def test_the_demo_draft_call_and_its_publishing_page(page, demo_site):
    page.goto(demo_site.url + "/")
    front = page.locator("main").inner_text()
    login(page, demo_site.url, "leder@demo.no")
    page.goto(demo_site.url + "/forvaltning/utlysninger")
    draft = page.locator("tr", has_text="Utkast – ikke publisert")
    assert draft.count() == 1
    title = draft.locator("a").inner_text()
    assert title not in front
    draft.locator("a").click()
    assert page.locator("#draft-notice").is_visible()
    assert axe_violations(page) == []
    page.get_by_role("link", name="Publiser utlysningen …").click()
    assert page.locator("h1").inner_text().startswith("Publiser utlysningen")
    assert page.locator("#consequences").is_visible()
    assert axe_violations(page) == []
    page.set_viewport_size(NARROW)
    assert sideways_overflow(page) == 0
