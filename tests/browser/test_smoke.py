"""The browser harness itself: Chromium starts, axe runs under the app's CSP, and the
checks can fail."""

from tests.browser.pages import NARROW, axe_violations, login, sideways_overflow


def test_the_front_page_passes_axe_and_reflows_at_320(page, demo_site):
    page.goto(demo_site.url + "/")
    assert page.locator("h1").count() == 1
    assert axe_violations(page) == []
    page.set_viewport_size(NARROW)
    assert sideways_overflow(page) == 0


def test_axe_and_the_reflow_check_see_a_broken_page(page, demo_site):
    page.goto(demo_site.url + "/")
    page.evaluate("""() => {
        const main = document.querySelector('main');
        main.insertAdjacentHTML('beforeend', '<img src="x.png"><div id="wide">wide</div>');
        document.getElementById('wide').style.width = '900px';
    }""")
    page.set_viewport_size(NARROW)
    assert "image-alt" in {v["id"] for v in axe_violations(page)}
    assert sideways_overflow(page) > 500


def test_a_demo_user_logs_in(page, demo_site):
    login(page, demo_site.url, "saksbehandler@demo.no")
    assert page.locator("h1").count() == 1


def test_a_page_loads_without_a_failed_request_or_a_console_error(page, demo_site):
    failed, errors = [], []
    page.on("response", lambda r: failed.append(r.url) if r.status >= 400 else None)
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.goto(demo_site.url + "/")
    page.wait_for_load_state("networkidle")
    assert failed == [] and errors == []
