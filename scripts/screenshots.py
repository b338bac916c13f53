"""``make screenshots``: the README's pictures of the key pages, from ``make run``'s set-up.

A throwaway instance (SQLite, migrated, the action plan and ``flask demo``'s data) is
served on a free port and photographed in Debian's Chromium through Playwright, at a
desktop width; the decision letter is the real PDF, its first page drawn by pdftoppm.
The pictures go to ``docs/screenshots/``.
"""

import logging
import os
import shutil
import subprocess
import sys
import tempfile
import threading
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "docs" / "screenshots"
CHROMIUM = os.environ.get("FUND_CHROMIUM") or shutil.which("chromium") or "/usr/bin/chromium"
WIDTH, HEIGHT = 1280, 900


def serve(instance: Path):
    """The app on a fresh SQLite database with the plan and the demo; (server, url, app)."""
    os.environ["FUND_INSTANCE_PATH"] = str(instance)
    sys.path.insert(0, str(ROOT))
    from flask_migrate import upgrade
    from werkzeug.serving import make_server

    from fund import create_app
    from fund.demo import load_demo
    from fund.extensions import db
    from fund.plan.loader import DATA_DIR, load_plan, read_plan_file

    logging.getLogger("werkzeug").setLevel(logging.WARNING)
    app = create_app({"SQLALCHEMY_DATABASE_URI": f"sqlite:///{instance / 'fund.sqlite'}",
                      "TRUSTED_HOSTS": ["127.0.0.1"], "SESSION_COOKIE_SECURE": False})
    server = make_server("127.0.0.1", 0, app, threaded=True)
    url = f"http://127.0.0.1:{server.server_port}"
    app.config["BASE_URL"] = url
    with app.app_context():
        upgrade()
        load_plan(read_plan_file(DATA_DIR / "handlingsplan-2022-2024.yaml"))
        db.session.commit()
    with app.test_request_context(base_url=url):
        load_demo()
        db.session.commit()
        db.session.remove()
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server, url, app


def demo_ids(app) -> dict:
    """The demo's objects the pictures show: its open call, a draft, a case under
    assessment, the decided call and a sent letter."""
    from sqlalchemy import select

    from fund.applications.models import Application, ApplicationState
    from fund.auth.models import User
    from fund.calls.models import Call
    from fund.decisions.models import Letter
    from fund.extensions import db
    from fund.review.models import Assessment
    with app.app_context():
        open_call = db.session.scalars(select(Call).order_by(Call.id)).first()
        draft = db.session.scalars(select(Application).where(
            Application.state == ApplicationState.DRAFT,
            Application.call_id == open_call.id).order_by(Application.id)).first()
        assessed = db.session.scalars(select(Assessment).order_by(Assessment.id)).first()
        letter = db.session.scalars(select(Letter).where(Letter.sent_at.is_not(None))
                                    .order_by(Letter.id)).first()
        decided = db.session.get(Application, letter.application_id)
        return {"open_call": open_call.id, "draft": draft.id,
                "assessed": assessed.application_id, "decided_call": decided.call_id,
                "letter": letter.id, "letter_application": decided.id,
                "draft_owner": draft.created_by.email,
                "letter_owner": decided.created_by.email,
                "assessor": db.session.get(User, assessed.caseworker_id).email}


def main() -> None:
    from playwright.sync_api import sync_playwright

    from fund.auth.demo import DEMO_PASSWORD
    OUT.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as folder:
        instance = Path(folder) / "instance"
        instance.mkdir()
        server, url, app = serve(instance)
        ids = demo_ids(app)
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=CHROMIUM)

            def as_user(email: str | None):
                context = browser.new_context(locale="nb-NO", timezone_id="Europe/Oslo",
                                              viewport={"width": WIDTH, "height": HEIGHT})
                page = context.new_page()
                if email:
                    page.goto(url + "/logg-inn")
                    page.get_by_label("E-post").fill(email)
                    page.get_by_label("Passord", exact=True).fill(DEMO_PASSWORD)
                    page.get_by_role("button", name="Logg inn").click()
                    page.wait_for_load_state()
                return page

            def shot(page, path: str, name: str, down_to: str | None = None,
                     start_at: str | None = None) -> None:
                """The page from its top; with ``down_to``, as far down as that element;
                with ``start_at``, a screen from that element down."""
                page.goto(url + path)
                page.wait_for_load_state("networkidle")
                clip = None
                if start_at:
                    page.locator(start_at).first.evaluate("e => e.scrollIntoView()")
                if down_to:
                    box = page.locator(down_to).first.bounding_box()
                    clip = {"x": 0, "y": 0, "width": WIDTH,
                            "height": max(HEIGHT, box["y"] + box["height"] + 24)}
                page.screenshot(path=OUT / f"{name}.png", full_page=bool(clip), clip=clip)
                print(f"docs/screenshots/{name}.png  {path}")

            shot(as_user(None), f"/utlysninger/{ids['open_call']}", "1-utlysning")
            shot(as_user(ids["draft_owner"]), f"/soknader/{ids['draft']}", "2-soknadsskjema")
            shot(as_user(ids["assessor"]),
                 f"/saksbehandling/soknader/{ids['assessed']}/vurdering", "3-vurdering")
            manager = as_user("leder@demo.no")
            shot(manager, f"/saksbehandling/utlysninger/{ids['decided_call']}/rangering",
                 "4-rangering", down_to="tr.budget-line + tr")
            shot(manager, "/rapporter/dekning", "6-dekningsrapport", start_at="#charts-heading")
            applicant = as_user(ids["letter_owner"])
            response = applicant.request.get(
                url + f"/mine-vedtak/soknader/{ids['letter_application']}"
                      f"/brev/{ids['letter']}.pdf")
            assert response.ok, response.status
            pdf = Path(folder) / "vedtaksbrev.pdf"
            pdf.write_bytes(response.body())
            subprocess.run(["pdftoppm", "-png", "-r", "80", "-f", "1", "-l", "1",
                            "-singlefile", str(pdf), str(OUT / "5-vedtaksbrev")], check=True)
            print("docs/screenshots/5-vedtaksbrev.png  (the letter's first page)")
            browser.close()
        server.shutdown()


if __name__ == "__main__":
    main()
