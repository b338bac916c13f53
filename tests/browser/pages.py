"""What the browser tests do on a page: log in, run axe-core, check reflow and focus."""

import email
import email.policy
from pathlib import Path

from playwright.sync_api import Page

from fund.auth.demo import DEMO_PASSWORD

AXE_SOURCE = (Path(__file__).parent / "axe" / "axe.min.js").read_text(encoding="utf-8")

#: The WCAG 2.1 A and AA rules (what forskrift om universell utforming av IKT requires).
WCAG21_AA = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]

PHONE = {"width": 390, "height": 844}
NARROW = {"width": 320, "height": 640}
DESKTOP = {"width": 1280, "height": 900}


def login(page: Page, base: str, email_address: str, password: str = DEMO_PASSWORD) -> None:
    page.goto(base + "/logg-inn")
    page.get_by_label("E-post").fill(email_address)
    page.get_by_label("Passord", exact=True).fill(password)
    page.get_by_role("button", name="Logg inn").click()
    page.wait_for_load_state()
    assert "/logg-inn" not in page.url, page.inner_text("main")[:500]


def logout(page: Page) -> None:
    page.locator("form[action$='/logg-ut'] button").first.click()
    page.wait_for_load_state()


def axe_violations(page: Page, tags: list[str] = WCAG21_AA) -> list[dict]:
    """axe-core's violations on the page as it is now: rule, impact and the first nodes.

    The script goes in through the DevTools protocol, so the page's own Content Security
    Policy (``script-src 'self'``) stays on."""
    if not page.evaluate("typeof window.axe !== 'undefined'"):
        page.evaluate(AXE_SOURCE)
    return page.evaluate(
        """async tags => {
            const result = await axe.run(document, {runOnly: {type: 'tag', values: tags}});
            return result.violations.map(v => ({
                id: v.id, impact: v.impact, help: v.help,
                nodes: v.nodes.slice(0, 5).map(n => n.target.join(' ') + ' ' +
                                                    n.html.slice(0, 160))}));
        }""", tags)


def sideways_overflow(page: Page) -> int:
    """How many CSS pixels the page scrolls sideways (WCAG 1.4.10 Reflow wants 0 at 320)."""
    return page.evaluate(
        "document.documentElement.scrollWidth - document.documentElement.clientWidth")


def obscured_focus(page: Page, cover: str, max_tabs: int = 400) -> list[str]:
    """Tab through the page; the focused elements that ``cover`` (a sticky bar) hides
    more than half of (WCAG 2.4.11 Focus Not Obscured)."""
    hidden = []
    page.locator("body").focus()
    seen = set()
    for _ in range(max_tabs):
        page.keyboard.press("Tab")
        info = page.evaluate(
            """cover => {
                const el = document.activeElement;
                if (!el || el === document.body) return null;
                const r = el.getBoundingClientRect();
                const bar = document.querySelector(cover);
                let hiddenPart = 0;
                if (bar && !bar.contains(el) && r.height > 0) {
                    const b = bar.getBoundingClientRect();
                    const top = Math.max(r.top, b.top), bottom = Math.min(r.bottom, b.bottom);
                    hiddenPart = Math.max(0, bottom - top) / r.height;
                }
                return {key: (el.id || el.name || el.textContent || '').trim().slice(0, 60)
                              + '@' + Math.round(r.top + window.scrollY),
                        hidden: hiddenPart};
            }""", cover)
        if info is None:
            continue
        if info["key"] in seen:
            break
        seen.add(info["key"])
        if info["hidden"] > 0.5:
            hidden.append(info["key"])
    return hidden


def outbox_messages(instance: Path) -> list[email.message.EmailMessage]:
    """The mail the served app has delivered to its file outbox, oldest first."""
    folder = instance / "outbox"
    return [email.message_from_bytes(path.read_bytes(), policy=email.policy.default)
            for path in sorted(folder.glob("*.eml"))] if folder.exists() else []
