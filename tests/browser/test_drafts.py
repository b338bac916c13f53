"""The manager's draft call in the demo, in a browser: marked as a draft, not on the front
page, and its publishing page passes axe and reflows at 320 px. (Nothing is published:
the demo site is shared by the session's browser tests.)"""

import re

from playwright.sync_api import expect

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
    # expect waits for the new page; is_visible() would look at whatever is there now
    expect(page.locator("h1")).to_contain_text(title)
    expect(page.locator("#draft-notice")).to_be_visible()
    assert axe_violations(page) == []
    page.get_by_role("link", name="Publiser utlysningen …").click()
    expect(page.locator("h1")).to_have_text(re.compile(r"^Publiser utlysningen"))
    expect(page.locator("#consequences")).to_be_visible()
    assert axe_violations(page) == []
    page.set_viewport_size(NARROW)
    assert sideways_overflow(page) == 0
