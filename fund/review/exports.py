"""The innstilling of a large call, exported outside the request that asked for it.

Laying out the PDF of a call with thousands of applications takes longer than gunicorn
lets a request run (issue 14: an HTTP 500). Such an export is an :class:`ExportJob`: the
request stores it as queued (audited) and answers at once; a thread of the worker makes
the file (``start``), or, if that worker went away, ``flask --app fund exports run`` from
cron does (``run_due``: queued jobs, and running ones left behind for longer than
``EXPORT_JOB_STALE_AFTER``). The person who asked watches a page that refreshes itself,
then downloads the file; nobody else sees the job. A failure says why in Norwegian and
can be tried again.

The job makes what the direct export makes for the same reader (``innstilling.to_pdf``
as a draft, or ``to_xlsx``), checked again when it runs: still a case handler, and the
whole ranking visible to them.

«Legg fram» of a large call is a job too (kind ``"propose"``): it runs
``operations.propose_innstilling`` for the manager who asked, with every check that makes
(the review closed, habil in all, not proposed before), under the call's row lock. The
record is the same as when proposed in the request: the Innstilling row with the stored
PDF and its SHA-256, and its audit entry; the proposals are locked from then on.
"""

import subprocess
import sys
import threading
from datetime import timedelta

from flask import current_app
from flask_babel import force_locale
from flask_babel import gettext as _
from sqlalchemy import or_, select, update

from fund.audit.operations import record
from fund.calls.models import Call
from fund.core import files
from fund.core.errors import DomainError
from fund.core.pdf import RECORD_LOCALE, documents_folder
from fund.core.types import utcnow
from fund.extensions import db
from fund.review import innstilling as document
from fund.review.models import ExportJob, ExportState
from fund.review.operations import ReviewError, propose_innstilling
from fund.review.permissions import can_move_line, is_case_handler
from fund.review.queries import hidden_application_ids, proposal_lines, ranking_for
from fund.review.ranking import RankingResult

#: What a job makes: the draft innstilling as PDF, Excel or CSV, or the proposed one.
KINDS = ("pdf", "xlsx", "csv", PROPOSE := "propose")

#: The stored files' folder under the instance folder.
FOLDER = "exports"

#: Roughly how long WeasyPrint takes per application, for the estimate while waiting.
SECONDS_PER_ROW = {"pdf": 0.02, "xlsx": 0.003, "csv": 0.001, PROPOSE: 0.02}


@files.references(FOLDER)
def _referenced_exports():
    return db.session.execute(select(ExportJob.stored_name).where(
        ExportJob.stored_name.is_not(None))).scalars()


def export_refusal(result: RankingResult) -> str | None:
    """Why the innstilling cannot be exported by this reader: an incomplete one must never
    reach the decision body."""
    if result.hidden:
        return _("Du er inhabil i minst én søknad i utlysningen, og en innstilling uten alle "
                 "søknadene kan ikke eksporteres. En annen må eksportere den.")
    if result.blinded:
        return _("Fullfør vurderingene dine først: innstillingen kan bare eksporteres når du "
                 "ser alle søknadene.")
    return None


def needs_job(kind: str, rows: int) -> bool:
    """Whether an export of ``rows`` applications is made outside the request
    (``EXPORT_DIRECT_ROWS``: up to how many it is made while the reader waits)."""
    limit = current_app.config["EXPORT_DIRECT_ROWS"].get(kind)
    return limit is not None and rows > limit


# What the pages read ------------------------------------------------------------------------

def own_job(user, call_id: int, job_id: int) -> ExportJob | None:
    """``user``'s job ``job_id`` of call ``call_id``; None for anyone else's (a 404)."""
    return db.session.execute(select(ExportJob).where(
        ExportJob.id == job_id, ExportJob.call_id == call_id,
        ExportJob.requested_by_id == user.id)).scalar_one_or_none()


def recent_jobs(user, call: Call, limit: int = 5) -> list[ExportJob]:
    """``user``'s latest exports of ``call``, newest first."""
    return list(db.session.execute(
        select(ExportJob).where(ExportJob.call_id == call.id,
                                ExportJob.requested_by_id == user.id,
                                ExportJob.kind != PROPOSE)
        .order_by(ExportJob.id.desc()).limit(limit)).scalars())


def estimate_seconds(job: ExportJob) -> int | None:
    """About how long the job takes once its size is known."""
    if not job.rows:
        return None
    return max(5, round(job.rows * SECONDS_PER_ROW.get(job.kind, 0.02)))


def progress_shown(job: ExportJob, now=None) -> int:
    """The per cent shown while the job runs: the stages it has passed (``progress``), and
    while WeasyPrint lays out (which says nothing on the way), the time gone against the
    estimate, held below 95 until it is done."""
    if job.state == ExportState.DONE:
        return 100
    estimate = estimate_seconds(job)
    if job.state != ExportState.RUNNING or not estimate or job.started_at is None:
        return job.progress
    gone = ((now or utcnow()) - job.started_at).total_seconds()
    return max(job.progress, min(95, round(15 + 80 * gone / estimate)))


def file_path(job: ExportJob):
    """Where a done job's file is read from; FileNotFoundError if it is gone."""
    return files.resolve(documents_folder(FOLDER), job.stored_name or "")


def mimetype(job: ExportJob) -> str:
    return document.MIMETYPES[job.kind]


def download_name(job: ExportJob) -> str:
    return f"innstilling-{job.call.year}-{job.call.fund.value}.{job.kind}"


# State changes --------------------------------------------------------------------------------

def request_export(call: Call, kind: str, actor, locale: str,
                   rows: int | None = None) -> ExportJob:
    """Queue an export of ``call``'s innstilling (of ``rows`` applications, if known) for
    ``actor``, who may export it (the view has checked)."""
    if kind not in KINDS:
        raise ValueError(kind)
    job = ExportJob(kind=kind, call_id=call.id, requested_by_id=actor.id, locale=locale,
                    state=ExportState.QUEUED, progress=0, attempts=0, rows=rows)
    db.session.add(job)
    db.session.flush()
    record("review.export_requested", call, actor=actor, job=job.id, format=kind)
    return job


class NotRetryable(DomainError):
    def __init__(self):
        super().__init__(_("Bare en eksport som feilet, kan prøves igjen."))


def retry(job: ExportJob, actor) -> ExportJob:
    """Put a failed job back in the queue."""
    if job.state != ExportState.FAILED:
        raise NotRetryable()
    job.state, job.progress, job.message = ExportState.QUEUED, 0, None
    job.started_at = job.finished_at = None
    record("review.export_retried", job.call, actor=actor, job=job.id, format=job.kind)
    return job


def _claim(job_id: int | None = None) -> int | None:
    """Take one job to run (``job_id``, or the oldest due): queued, or running for longer
    than ``EXPORT_JOB_STALE_AFTER`` (its runner is gone). One UPDATE, so that two runners
    never take the same job. Committed; returns its id, or None."""
    stale = utcnow() - timedelta(seconds=current_app.config["EXPORT_JOB_STALE_AFTER"])
    due = or_(ExportJob.state == ExportState.QUEUED,
              (ExportJob.state == ExportState.RUNNING) & (ExportJob.started_at < stale))
    candidates = [job_id] if job_id is not None else list(db.session.execute(
        select(ExportJob.id).where(due).order_by(ExportJob.created_at, ExportJob.id)
        .limit(20)).scalars())
    for candidate in candidates:
        taken = db.session.execute(
            update(ExportJob).where(ExportJob.id == candidate, due)
            .values(state=ExportState.RUNNING, started_at=utcnow(), progress=5,
                    attempts=ExportJob.attempts + 1, message=None)
            .execution_options(synchronize_session=False)).rowcount
        db.session.commit()
        if taken:
            return candidate
    return None


class ExportRefused(DomainError):
    """The job cannot make the file for the person who asked (any more)."""


def _progress(job: ExportJob, value: int) -> None:
    job.progress = value
    db.session.commit()


def _make(job: ExportJob, progress=_progress) -> bytes | None:
    """The file, made as the direct export makes it for the same reader; for «legg fram»,
    the innstilling proposed and stored (None: the file is the innstilling's).
    ``progress(job, per_cent)``: how a stage passed is shown (committed)."""
    user, call = job.requested_by, job.call
    allowed = can_move_line(user) if job.kind == PROPOSE else is_case_handler(user)
    if not allowed or not user.is_active:
        raise ExportRefused(_("Du har ikke lenger tilgang til innstillingen."))
    if job.kind == PROPOSE:
        progress(job, 15)
        with force_locale(RECORD_LOCALE):
            propose_innstilling(call, user)
        return None
    result = ranking_for(user, call, hidden_application_ids(user, call), details=True)
    refusal = export_refusal(result)
    if refusal:
        raise ExportRefused(refusal)
    job.rows = len(result.rows)
    progress(job, 15)
    proposals = proposal_lines(call, result)
    if job.kind == "pdf":
        return document.to_pdf(result, proposals, draft=True)
    return {"xlsx": document.to_xlsx, "csv": document.to_csv}[job.kind](result, proposals)


def _failure_text(exc: Exception) -> str:
    """What the person is told: a refusal as it is; any other failure (the renderer,
    fonts, memory, the disk) only that it failed and was logged."""
    if isinstance(exc, ExportRefused | ReviewError):
        return str(exc)
    return _("Filen kunne ikke lages. Feilen er logget. Prøv igjen om litt; skjer det igjen, "
             "kontakt brukerstøtte.")


def run_job(job_id: int | None = None) -> ExportJob | None:
    """Claim one due job (``job_id``, or the oldest) and make its file: stored under a
    random name with its SHA-256, then the job is done (committed together). A failure
    marks it failed with a message for the person. Returns the job, or None if there was
    none to take."""
    claimed = _claim(job_id)
    if claimed is None:
        return None
    job = db.session.get(ExportJob, claimed)
    try:
        with force_locale(job.locale):
            _done(job, _make(job))
            db.session.commit()
    except Exception as exc:
        db.session.rollback()
        if not isinstance(exc, ExportRefused | ReviewError):
            current_app.logger.exception("export job %s failed", claimed)
        job = db.session.get(ExportJob, claimed)
        with force_locale(job.locale):
            job.message = _failure_text(exc)
        job.state, job.finished_at = ExportState.FAILED, utcnow()
        record("review.export_failed", job.call, by_system=True, job=job.id,
               format=job.kind)
        db.session.commit()
    return job


def _done(job: ExportJob, data: bytes | None) -> None:
    """The job's file made: stored under a random name with its SHA-256, the export
    audited, and the job done."""
    if data is not None:
        name, sha256 = files.write(data, documents_folder(FOLDER))
        job.stored_name, job.sha256 = name, sha256
        record("call.innstilling_exported", job.call, actor=job.requested_by,
               format=job.kind, proposed=False, job=job.id)
    job.state, job.progress, job.finished_at = ExportState.DONE, 100, utcnow()


def make_at_once(job: ExportJob) -> ExportJob:
    """Make a queued job's file now, in the current transaction and without the runner
    (nothing is committed): as ``run_job`` makes it, for the demo's finished export."""
    job.state, job.started_at, job.attempts = ExportState.RUNNING, utcnow(), 1
    with force_locale(job.locale):
        _done(job, _make(job, progress=lambda job, value: None))
    return job


def purge_old(now=None) -> int:
    """Remove exports (their rows and files) finished more than ``EXPORT_KEEP`` ago: a
    draft export is a copy to download, not a record (the proposed innstilling is kept
    as the Innstilling's own file, never here). Returns how many."""
    cutoff = (now or utcnow()) - current_app.config["EXPORT_KEEP"]
    old = list(db.session.execute(select(ExportJob).where(
        ExportJob.state.in_([ExportState.DONE, ExportState.FAILED]),
        ExportJob.finished_at < cutoff)).scalars())
    for job in old:
        if job.stored_name:
            files.remove(documents_folder(FOLDER), job.stored_name)
        db.session.delete(job)
    if old:
        record("review.exports_purged", None, by_system=True, count=len(old))
    db.session.commit()
    return len(old)


def run_due(limit: int | None = None) -> tuple[int, int]:
    """Run due jobs one after the other (the CLI); returns (done, failed)."""
    done = failed = 0
    while limit is None or done + failed < limit:
        job = run_job()
        if job is None:
            break
        if job.state == ExportState.DONE:
            done += 1
        else:
            failed += 1
    return done, failed


def _in_process_of_its_own(app, job_id: int) -> None:
    """Run the job with the CLI in a child process and wait. A child that could not start
    leaves the job queued: it is made here instead. One that died while running (killed,
    out of memory) leaves it running: it is marked failed, to be tried again."""
    child = subprocess.run(  # noqa: S603 (our own command, no shell)
        [sys.executable, "-m", "flask", "--app", app.import_name, "exports", "run",
         "--job", str(job_id)],
        check=False, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
        timeout=app.config["EXPORT_JOB_STALE_AFTER"])
    db.session.expire_all()
    job = db.session.get(ExportJob, job_id)
    if job is None or child.returncode == 0:
        return
    app.logger.error("export job %s: the child process ended with %s: %s", job_id,
                     child.returncode, child.stderr.decode(errors="replace")[-2000:])
    if job.state == ExportState.QUEUED:
        run_job(job_id)
    elif job.state == ExportState.RUNNING:
        with force_locale(job.locale):
            job.message = _failure_text(RuntimeError())
        job.state, job.finished_at = ExportState.FAILED, utcnow()
        record("review.export_failed", job.call, by_system=True, job=job.id,
               format=job.kind)
        db.session.commit()


def start(job_id: int) -> None:
    """Make the job's file without holding up the request (``EXPORT_JOB_RUNNER``):

    - ``"process"``: a thread of the worker starts ``flask --app fund exports run --job N``
      and waits for it. The layout's memory (2.6 GB at its peak for the 7,834
      applications of the largest test call) is given back when that process ends, not
      kept by the worker; a gunicorn sync worker keeps its heartbeat while the thread
      waits. The child reads its settings as the CLI does (instance config.py and the
      environment), not from overrides given to ``create_app``.
    - ``"thread"``: a thread of the worker makes it in-process.
    - ``"cron"``: nothing now; ``flask --app fund exports run`` takes it.

    Whatever happens to the thread, the job stays queued or goes stale, and the CLI
    takes it."""
    runner = current_app.config["EXPORT_JOB_RUNNER"]
    if runner == "cron" or (runner == "process" and current_app.testing):
        return  # (tests start no processes: their data is in a transaction rolled back)
    app = current_app._get_current_object()

    def work():
        with app.app_context():
            try:
                if runner == "process":
                    _in_process_of_its_own(app, job_id)
                else:
                    run_job(job_id)
            except Exception:  # the CLI takes a job left behind
                app.logger.exception("export job %s: runner failed", job_id)
                db.session.rollback()
            finally:
                db.session.remove()

    threading.Thread(target=work, name=f"export-job-{job_id}", daemon=True).start()
