"""Tests in a real browser: Debian's Chromium driven by Playwright (pytest-playwright).

They are marked ``browser``. They run whenever Chromium is on the machine and are skipped
otherwise, unless ``FUND_BROWSER_TESTS=required`` (as in CI), which turns a missing
browser into a failure. No browser is ever downloaded: Playwright starts the one at
``FUND_CHROMIUM`` or ``/usr/bin/chromium``.
"""

import os
import shutil
from pathlib import Path

import pytest

from fund.extensions import db
from tests.served import Served

CHROMIUM = os.environ.get("FUND_CHROMIUM") or shutil.which("chromium") or "/usr/bin/chromium"


def pytest_collection_modifyitems(config, items):
    here = Path(__file__).parent
    for item in items:
        if here in Path(item.fspath).parents:
            item.add_marker(pytest.mark.browser)


@pytest.fixture(scope="session")
def chromium_path() -> str:
    if not Path(CHROMIUM).exists():
        if os.environ.get("FUND_BROWSER_TESTS") == "required":
            pytest.fail(f"Chromium is required for the browser tests and is not at {CHROMIUM}")
        pytest.skip("Chromium is not installed (apt-get install chromium)")
    return CHROMIUM


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args, chromium_path):
    return {**browser_type_launch_args, "executable_path": chromium_path}


@pytest.fixture(scope="session")
def browser_context_args(browser_context_args):
    return {**browser_context_args, "locale": "nb-NO", "timezone_id": "Europe/Oslo",
            "viewport": {"width": 1280, "height": 900}}


@pytest.fixture(scope="session")
def demo_site(tmp_path_factory, chromium_path):
    """The app served with ``flask demo``'s data: every role and every stage of a grant."""
    from fund.demo import load_demo
    server = Served(tmp_path_factory.mktemp("demo-site"), suffix="demo")
    with server.app.test_request_context(base_url=server.url):
        load_demo()
        db.session.commit()
        db.session.remove()
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture(scope="session")
def fresh_site(tmp_path_factory, chromium_path):
    """The app served on an empty database with the action plan loaded."""
    server = Served(tmp_path_factory.mktemp("fresh-site"), suffix="fresh")
    try:
        yield server
    finally:
        server.stop()
