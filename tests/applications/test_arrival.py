"""A submission is judged against the deadline at the time it reached the site. Behind a
proxy that stamps each request's arrival (``REQUEST_START_HEADER``), a submission that
reached the proxy before the deadline but a busy worker after it is accepted, stamped
with its arrival; without that setting, or with a stamp that cannot be believed, the
worker's clock decides, and junk in the header is never an error."""

from datetime import timedelta

import pytest
import time_machine

from fund.applications.models import ApplicationState
from fund.extensions import db as _db
from tests.applications.test_journey import (
    closing_soon,
    edit_path,
    fresh,
    setting,  # noqa: F401 (a fixture)
    submit_form,
)
from tests.helpers import login, make_application


def _stamp(moment, unit="s") -> str:
    seconds = moment.timestamp()
    return {"s": f"t={seconds:.3f}", "ms": f"t={int(seconds * 1000)}",
            "us": f"t={int(seconds * 1_000_000)}"}[unit]


def complete_draft(client, setting):  # noqa: F811
    """A complete draft of a call closing soon, its applicant logged in; and the form that
    sends it in."""
    user, org, call = setting
    closing_soon(call)
    application = make_application(call, org, user)
    _db.session.commit()
    login(client, user)
    return application, call, submit_form(client, application)


@pytest.fixture
def late_by_a_second(app, client, setting):  # noqa: F811
    """A complete draft whose POST the worker handles one second after the deadline."""
    application, call, data = complete_draft(client, setting)

    def post(**headers):
        with time_machine.travel(call.closes_at + timedelta(seconds=1), tick=False):
            return client.post(f"{edit_path(application)}/send-inn", data=data,
                               headers=headers)
    return application, call, post


@pytest.mark.parametrize("unit", ["s", "ms", "us"])
def test_behind_a_stamping_proxy_a_submission_that_arrived_in_time_is_accepted(
        app, monkeypatch, late_by_a_second, unit):
    monkeypatch.setitem(app.config, "REQUEST_START_HEADER", "X-Request-Start")
    application, call, post = late_by_a_second
    arrived = call.closes_at - timedelta(seconds=2)
    response = post(**{"X-Request-Start": _stamp(arrived, unit)})
    assert response.status_code == 302 and response.headers["Location"].endswith("/kvittering")
    application = fresh(application)
    assert application.state == ApplicationState.SUBMITTED
    assert abs((application.submitted_at - arrived).total_seconds()) < 0.01
    assert abs((application.submissions[0].submitted_at - arrived).total_seconds()) < 0.01


def test_without_the_setting_the_header_is_not_believed(late_by_a_second):
    application, call, post = late_by_a_second
    post(**{"X-Request-Start": _stamp(call.closes_at - timedelta(seconds=2))})
    assert fresh(application).state == ApplicationState.DRAFT


@pytest.mark.parametrize("value", [
    "t=abc", "t=", "t=-5", "t=1e10", "t=1.2.3", "t=" + "9" * 40, "t=99999999999999999999",
    "t=0", "garbage", "t=1700000000.5 extra",
])
def test_junk_in_the_header_is_the_workers_clock_and_never_an_error(
        app, monkeypatch, late_by_a_second, value):
    monkeypatch.setitem(app.config, "REQUEST_START_HEADER", "X-Request-Start")
    application, _call, post = late_by_a_second
    response = post(**{"X-Request-Start": value})
    assert response.status_code in (200, 302)
    assert fresh(application).state == ApplicationState.DRAFT


@pytest.mark.parametrize("offset", [timedelta(seconds=-31), timedelta(hours=-3)])
def test_a_stamp_too_old_is_not_believed(
        app, monkeypatch, late_by_a_second, offset):
    """The stamp is believed only up to REQUEST_START_MAX_AGE (30 s) before the worker's
    clock: a replayed or forged old stamp cannot reopen a call."""
    monkeypatch.setitem(app.config, "REQUEST_START_HEADER", "X-Request-Start")
    application, call, post = late_by_a_second
    now = call.closes_at + timedelta(seconds=1)
    post(**{"X-Request-Start": _stamp(now + offset)})
    assert fresh(application).state == ApplicationState.DRAFT


def test_a_stamp_from_the_future_is_not_the_submissions_time(app, client, monkeypatch,
                                                             setting):  # noqa: F811
    monkeypatch.setitem(app.config, "REQUEST_START_HEADER", "X-Request-Start")
    application, call, data = complete_draft(client, setting)
    now = call.closes_at - timedelta(minutes=10)
    with time_machine.travel(now, tick=False):
        client.post(f"{edit_path(application)}/send-inn", data=data,
                    headers={"X-Request-Start": _stamp(now + timedelta(seconds=5))})
    application = fresh(application)
    assert application.state == ApplicationState.SUBMITTED
    assert abs((application.submitted_at - now).total_seconds()) < 0.01
