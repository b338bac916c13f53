"""«Lagre utkast» pressed while the form's own autosave is on its way: the save waits for
the autosave and goes in on top of it, instead of being refused as someone else's."""

import time

from playwright.sync_api import expect

from tests.browser.pages import login
from tests.browser.test_keyboard import APPLICANT, keyboard_site  # noqa: F401 (fixture)
from tests.helpers import PASSWORD


def start_application(page, site) -> None:
    """The applicant logs in and starts an application, and its page has loaded."""
    login(page, site.url, APPLICANT, PASSWORD)
    page.goto(site.url + "/")
    page.get_by_role("link", name="Søk nå").first.click()
    page.get_by_role("button", name="Start søknad").click()
    expect(page.locator("h1")).to_have_text("Ny søknad")
    # the heading is there before the deferred script that arms the autosave has run (the
    # CI runs that had «no autosave» typed before it and never sent one)
    page.wait_for_load_state("load")


def test_a_save_during_an_autosave_keeps_what_was_typed(page, keyboard_site):  # noqa: F811
    start_application(page, keyboard_site)

    # The autosave reaches the server, but its answer is held back on the way.
    held = []
    page.route("**/autolagre", lambda route: held.append((route, route.fetch())))
    title = page.get_by_label("Prosjektets tittel", exact=True)
    title.fill("Først")
    deadline = time.monotonic() + 30  # on a loaded 2-core CI machine 15 s was once too few
    while not held:  # the autosave runs every five seconds
        assert time.monotonic() < deadline, "no autosave"
        page.wait_for_timeout(50)
    title.fill("Først og sist")
    page.get_by_role("button", name="Lagre utkast").click(no_wait_after=True)
    route, response = held[0]
    route.fulfill(response=response)

    expect(page.get_by_text("Utkastet er lagret")).to_be_visible()
    expect(page.locator("h1")).to_have_text("Først og sist")
    expect(title).to_have_value("Først og sist")


def test_what_was_typed_before_the_script_arrived_is_autosaved(page, keyboard_site):  # noqa: F811
    """On a slow connection a person may type before the form's script has come: the
    autosave still sees the change once it has."""
    start_application(page, keyboard_site)
    # the same page again, with its script held back until after the typing
    scripts = []
    page.route("**/js/application.js", lambda route: scripts.append(route))
    page.reload(wait_until="commit")  # its deferred script holds up DOMContentLoaded
    page.get_by_label("Prosjektets tittel", exact=True).fill("Skrevet før skriptet")
    status = page.locator("#autosave-status")
    before = status.inner_text()
    deadline = time.monotonic() + 30
    while not scripts:
        assert time.monotonic() < deadline, "the script was never asked for"
        page.wait_for_timeout(50)
    scripts[0].continue_()
    # the autosave runs every five seconds and says so in the status line
    expect(status).not_to_have_text(before, timeout=30_000)
    page.unroute("**/js/application.js")
    page.reload()
    expect(page.get_by_label("Prosjektets tittel", exact=True)).to_have_value(
        "Skrevet før skriptet")
