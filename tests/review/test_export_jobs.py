"""The innstilling of a large call is made outside the request (issue 14): the manager asks
for it, watches its page until it is ready, and downloads it; nobody else sees it. A
failure says so in Norwegian and can be tried again, and `flask --app fund exports run`
(cron) takes what a worker left behind."""

import hashlib
import io
import re
from datetime import timedelta

import pytest
from pypdf import PdfReader
from sqlalchemy import select

import fund.core.pdf
from fund.audit.models import AuditEvent
from fund.core.roles import Role
from fund.core.types import utcnow
from fund.extensions import db as _db
from fund.review import exports
from fund.review.innstilling import stored_path
from fund.review.models import ExportJob, ExportState, Innstilling, Proposal
from tests.helpers import browser_form, html_of, login, make_user, post_form
from tests.review.test_proposals import closed  # noqa: F401 (a fixture)


@pytest.fixture
def large(app, competition, monkeypatch):
    """The competition's four applications count as a large call; jobs wait for a runner
    (cron) unless a test starts one."""
    monkeypatch.setitem(app.config, "EXPORT_DIRECT_ROWS", {"pdf": 2, "xlsx": 2})
    monkeypatch.setitem(app.config, "EXPORT_JOB_RUNNER", "cron")
    return competition


def ask_for(client, competition, kind="pdf"):
    """The manager follows the export link and presses «Lag filen»; the job's page."""
    start_page = competition.ranking_path(f"innstilling.{kind}")
    response = post_form(client, competition.ranking_path(f"eksport/{kind}"), {},
                         form_page=start_page)
    assert response.status_code == 303, response.status_code
    return response.headers["Location"]


def jobs():
    return _db.session.scalars(select(ExportJob).order_by(ExportJob.id)).all()


def actions():
    return [event.action for event in _db.session.scalars(
        select(AuditEvent).order_by(AuditEvent.id))]


def pdf_text(data: bytes) -> str:
    text = "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(data)).pages)
    return " ".join(text.replace("\u00a0", " ").split())


def test_a_large_innstilling_is_queued_made_by_the_cli_and_downloaded_as_a_pdf(
        client, runner, large):
    login(client, large.lene)
    start = client.get(large.ranking_path("innstilling.pdf"))
    assert start.status_code == 200 and start.mimetype == "text/html"
    assert "lages i bakgrunnen" in html_of(start)
    assert jobs() == []  # looking at the page asks for nothing

    job_page = ask_for(client, large)
    (job,) = jobs()
    assert job.state == ExportState.QUEUED and job.requested_by_id == large.lene.id
    assert "review.export_requested" in actions()
    waiting = client.get(job_page)
    assert waiting.status_code == 200 and waiting.headers["Refresh"] == "3"
    assert "Filen står i kø" in html_of(waiting)

    result = runner.invoke(args=["exports", "run"])
    assert "Ferdige: 1, feilet: 0" in result.output, result.output
    _db.session.refresh(job)
    assert job.state == ExportState.DONE and job.progress == 100 and job.rows == 4

    ready = client.get(job_page)
    assert "Refresh" not in ready.headers
    link = re.search(r'id="export-download" href="([^"]+)"', ready.get_data(as_text=True))[1]
    download = client.get(link)
    assert download.status_code == 200 and download.mimetype == "application/pdf"
    assert hashlib.sha256(download.data).hexdigest() == job.sha256
    text = pdf_text(download.data)
    assert f"Innstilling: {large.call.title}" in text and "Utkast" in text
    assert large.apps["A"].case_number in text
    assert actions().count("call.innstilling_exported") == 1


def test_a_worker_thread_makes_the_excel_file_while_the_page_waits(
        app, client, large, monkeypatch):
    """The worker's thread (running the CLI in a child process, or in-process): here it
    runs in its own app context once the request that started it has ended."""
    started = []

    class Thread:
        def __init__(self, target, **_kwargs):
            self.target = target

        def start(self):
            started.append(self.target)

    monkeypatch.setattr(exports.threading, "Thread", Thread)
    monkeypatch.setitem(app.config, "EXPORT_JOB_RUNNER", "thread")
    login(client, large.lene)
    job_page = ask_for(client, large, "xlsx")
    assert len(started) == 1
    started[0]()
    page = client.get(job_page)
    assert "Filen er klar" in html_of(page)
    link = re.search(r'id="export-download" href="([^"]+)"', page.get_data(as_text=True))[1]
    download = client.get(link)
    assert download.data.startswith(b"PK")  # a workbook
    assert "attachment" in download.headers["Content-Disposition"]


def test_a_failed_render_is_told_in_norwegian_and_can_be_tried_again(
        client, runner, large, monkeypatch):
    real = fund.core.pdf.write_pdf

    def broken(_html):
        raise MemoryError("out of memory in the layout")

    monkeypatch.setattr(fund.core.pdf, "write_pdf", broken)
    login(client, large.lene)
    job_page = ask_for(client, large)
    assert "feilet: 1" in runner.invoke(args=["exports", "run"]).output
    (job,) = jobs()
    assert job.state == ExportState.FAILED and job.stored_name is None
    failed = html_of(client.get(job_page))
    assert "Filen kunne ikke lages. Feilen er logget. Prøv igjen om litt" in failed
    assert "memory" not in failed  # no technical detail for the person
    assert "review.export_failed" in actions()
    assert "call.innstilling_exported" not in actions()

    monkeypatch.setattr(fund.core.pdf, "write_pdf", real)
    again = post_form(client, job_page + "/igjen", {}, form_page=job_page)
    assert again.status_code == 303
    _db.session.refresh(job)
    assert job.state == ExportState.QUEUED and job.message is None
    assert "Ferdige: 1" in runner.invoke(args=["exports", "run"]).output
    _db.session.refresh(job)
    assert job.state == ExportState.DONE and job.attempts == 2
    # only a failed job is tried again
    post_form(client, job_page + "/igjen", {}, form_page=job_page)
    _db.session.refresh(job)
    assert job.state == ExportState.DONE


def test_a_refusal_when_the_job_runs_is_the_reason_itself(client, runner, large):
    """The manager became inhabil in an application after asking: the job refuses, and
    says why, as the direct export would."""
    from fund.review.models import ConflictDeclaration, ConflictGround
    login(client, large.lene)
    job_page = ask_for(client, large)
    _db.session.add(ConflictDeclaration(application=large.apps["B"], caseworker=large.lene,
                                        disqualified=True, ground=ConflictGround.FAMILY))
    _db.session.commit()
    runner.invoke(args=["exports", "run"])
    assert "En annen må eksportere den." in html_of(client.get(job_page))


def test_a_job_of_someone_who_is_no_longer_a_case_handler_is_refused(client, runner, large):
    login(client, large.lene)
    job_page = ask_for(client, large)
    large.lene.role = Role.APPLICANT  # moved to other work before the job ran
    _db.session.commit()
    runner.invoke(args=["exports", "run"])
    (job,) = jobs()
    assert job.state == ExportState.FAILED and job.stored_name is None
    assert job.message == "Du har ikke lenger tilgang til innstillingen."
    assert client.get(job_page).status_code == 403  # nor the page, now


def test_another_persons_job_is_not_found(client, runner, large):
    login(client, large.lene)
    job_page = ask_for(client, large)
    runner.invoke(args=["exports", "run"])
    fresh = client.application.test_client()  # Sverre, a caseworker, in his browser
    login(fresh, large.sverre)
    assert fresh.get(job_page).status_code == 404
    assert fresh.get(job_page + "/fil").status_code == 404
    assert post_form(fresh, job_page + "/igjen", {},
                     form_page=large.ranking_path()).status_code == 404
    # nor through another call's address
    wrong_call = job_page.replace(f"/utlysninger/{large.call.id}/",
                                  f"/utlysninger/{large.call.id + 1}/")
    assert client.get(wrong_call).status_code == 404
    assert client.get(job_page + "/fil").status_code == 200


def test_asking_needs_the_form_token_and_a_case_handler(client, large):
    login(client, large.lene)
    path = large.ranking_path("eksport/pdf")
    assert client.post(path, data={}).status_code == 400  # no CSRF token
    assert jobs() == []
    applicant = make_user("noen@example.no", Role.APPLICANT, name="Noen Søker")
    _db.session.commit()
    fresh = client.application.test_client()
    login(fresh, applicant)
    response = post_form(fresh, path, {}, form_page="/")
    assert response.status_code in (403, 404)
    assert jobs() == []


def test_an_inhabil_manager_cannot_ask_for_it(client, large):
    from fund.review.models import ConflictDeclaration, ConflictGround
    _db.session.add(ConflictDeclaration(application=large.apps["B"], caseworker=large.lene,
                                        disqualified=True, ground=ConflictGround.FAMILY))
    _db.session.commit()
    login(client, large.lene)
    response = post_form(client, large.ranking_path("eksport/pdf"), {},
                         form_page=large.ranking_path())
    assert response.status_code == 302
    assert "En annen må eksportere den." in html_of(client.get(response.headers["Location"]))
    assert jobs() == []


def test_the_cli_takes_a_job_its_worker_left_running(runner, large):
    """A worker restarted while its thread rendered: the job is still «running» long after;
    cron's `exports run` takes it again. A job running for a short while is left alone."""
    stale = ExportJob(kind="pdf", call_id=large.call.id, requested_by_id=large.lene.id,
                      locale="nb", state=ExportState.RUNNING, progress=15, attempts=1,
                      started_at=utcnow() - timedelta(hours=1))
    busy = ExportJob(kind="pdf", call_id=large.call.id, requested_by_id=large.lene.id,
                     locale="nb", state=ExportState.RUNNING, progress=15, attempts=1,
                     started_at=utcnow() - timedelta(seconds=30))
    _db.session.add_all([stale, busy])
    _db.session.commit()
    assert "Ferdige: 1, feilet: 0" in runner.invoke(args=["exports", "run"]).output
    _db.session.refresh(stale)
    _db.session.refresh(busy)
    assert stale.state == ExportState.DONE and stale.attempts == 2
    assert busy.state == ExportState.RUNNING
    assert runner.invoke(args=["exports", "run", "--job", str(busy.id)]).output.strip() \
        == f"Jobb {busy.id} venter ikke."


def test_a_small_call_is_still_made_while_the_reader_waits(client, competition):
    login(client, competition.lene)
    response = client.get(competition.ranking_path("innstilling.pdf"))
    assert response.mimetype == "application/pdf"
    assert jobs() == []


def test_laying_a_large_innstilling_forward_is_a_job_that_leaves_the_same_record(
        app, client, runner, closed, monkeypatch):  # noqa: F811
    """«Legg fram» of a large call: the proposals are saved in the request; the PDF is
    made, stored and the innstilling proposed by the job, for the manager who asked, in
    Norwegian, with the same record (the stored PDF and its SHA-256, the audit entry)."""
    monkeypatch.setitem(app.config, "EXPORT_DIRECT_ROWS", {"propose": 2})
    monkeypatch.setitem(app.config, "EXPORT_JOB_RUNNER", "cron")
    closed.lene.locale = "en"
    _db.session.commit()
    login(client, closed.lene)
    path = closed.ranking_path("forslag")
    form = browser_form(html_of(client.get(path)), "proposals-form")
    form["action"] = "propose"
    response = client.post(path, data=form)
    job_page = response.headers["Location"]
    assert "/eksport/jobb/" in job_page
    assert _db.session.scalars(select(Proposal)).all()  # saved in the request
    assert _db.session.scalars(select(Innstilling)).all() == []  # not yet proposed
    assert client.get(job_page).headers["Refresh"] == "3"

    assert "Ferdige: 1" in runner.invoke(args=["exports", "run"]).output
    innstilling = _db.session.scalars(select(Innstilling)).one()
    assert innstilling.proposed_by_id == closed.lene.id
    data = stored_path(innstilling.stored_name).read_bytes()
    assert hashlib.sha256(data).hexdigest() == innstilling.sha256
    text = pdf_text(data)
    assert f"Innstilling: {closed.call.title}" in text and "Forslag til vedtak" in text
    assert "Utkast" not in text
    assert "review.innstilling_proposed" in actions()
    page = client.get(job_page)
    link = re.search(r'id="export-download" href="([^"]+)"', page.get_data(as_text=True))[1]
    assert client.get(link).data == data  # the stored document, byte for byte
    assert client.get(job_page + "/fil").headers["Location"].endswith("innstilling.pdf")
    # Laid forward: a second attempt is refused with the reason, nothing changes.
    again = exports.request_export(closed.call, exports.PROPOSE, closed.lene, "nb")
    _db.session.commit()
    runner.invoke(args=["exports", "run"])
    _db.session.refresh(again)
    assert again.state == ExportState.FAILED and "kan ikke endres" in again.message
    assert len(_db.session.scalars(select(Innstilling)).all()) == 1


@pytest.mark.parametrize("state, rows, seconds_gone, shown", [
    (ExportState.QUEUED, None, 0, 0),
    (ExportState.RUNNING, None, 60, 15),  # size not known yet: the stage only
    (ExportState.RUNNING, 1000, 0, 15),
    (ExportState.RUNNING, 1000, 10, 55),  # half of the 20 s estimate
    (ExportState.RUNNING, 1000, 600, 95),  # late: held below done
    (ExportState.DONE, 1000, 5, 100),
])
def test_the_progress_shown_follows_the_stage_and_the_time_against_the_estimate(
        state, rows, seconds_gone, shown):
    now = utcnow()
    job = ExportJob(kind="pdf", state=state, rows=rows, progress=15 if rows or
                    state == ExportState.RUNNING else 0,
                    started_at=now - timedelta(seconds=seconds_gone))
    assert exports.progress_shown(job, now) == shown


def test_old_exports_are_removed_with_their_files_and_the_proposed_one_is_kept(
        client, runner, large):
    login(client, large.lene)
    job_page = ask_for(client, large)
    runner.invoke(args=["exports", "run"])
    (job,) = jobs()
    path = exports.file_path(job)
    assert path.exists()
    job.finished_at = utcnow() - timedelta(days=6)
    _db.session.commit()
    assert "slettet (eldre enn 7 dager): 0" in runner.invoke(args=["exports", "run"]).output
    job.finished_at = utcnow() - timedelta(days=8)
    _db.session.commit()
    assert "slettet (eldre enn 7 dager): 1" in runner.invoke(args=["exports", "run"]).output
    assert jobs() == [] and not path.exists()
    assert client.get(job_page).status_code == 404


def test_a_file_made_before_its_reader_became_inhabil_is_not_given_to_them(
        client, runner, large):
    """The file holds every application of the call: once the manager has declared
    herself inhabil in one of them, the finished job's page says why it cannot be had,
    and its address gives no file, as the direct export would not."""
    from fund.review.models import ConflictDeclaration, ConflictGround
    login(client, large.lene)
    job_page = ask_for(client, large)
    runner.invoke(args=["exports", "run"])
    ready = html_of(client.get(job_page))
    link = re.search(r'id="export-download" href="([^"]+)"', ready)[1]
    assert client.get(link).mimetype == "application/pdf"
    exported = actions().count("call.innstilling_exported")

    _db.session.add(ConflictDeclaration(application=large.apps["B"], caseworker=large.lene,
                                        disqualified=True, ground=ConflictGround.FAMILY))
    _db.session.commit()
    page = html_of(client.get(job_page))
    assert 'id="export-download"' not in page
    assert "du kan ikke laste den ned nå" in page and "En annen må eksportere den." in page
    refused = client.get(link)
    assert refused.status_code == 302 and refused.mimetype != "application/pdf"
    assert large.apps["B"].title not in refused.get_data(as_text=True)
    assert "En annen må eksportere den." in html_of(client.get(refused.headers["Location"]))
    assert actions().count("call.innstilling_exported") == exported
