from functools import wraps

from flask import (
    Blueprint,
    abort,
    current_app,
    flash,
    g,
    redirect,
    render_template,
    request,
    send_file,
    url_for,
)
from flask_babel import get_locale, ngettext
from flask_babel import gettext as _
from flask_login import current_user, login_required
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm.exc import StaleDataError

from fund.applications.exemptions import exemption_items
from fund.applications.forms import InfoRequestForm
from fund.applications.labels import STAFF_STATE_LABELS
from fund.applications.operations import (
    expire_info_requests,
    overdue_info_requests,
    read_attachment,
    request_info,
)
from fund.applications.permissions import STAFF_VISIBLE
from fund.applications.receipt import application_pdf as staff_application_pdf
from fund.applications.receipt import snapshot_helpers
from fund.applications.uploads import download_name
from fund.audit.operations import record
from fund.auth.models import User
from fund.calls.labels import FUND_LABELS
from fund.calls.models import CallState
from fund.calls.permissions import can_manage_calls
from fund.calls.queries import call_for_page
from fund.core.formatting import format_datetime, format_number
from fund.core.hooks import template_hook
from fund.core.http import commit, flash_errors, is_safe_next, require, writes
from fund.core.pdf import RECORD_LOCALE, DocumentFailed, pdf_response
from fund.core.translations import translated
from fund.core.types import utcnow
from fund.extensions import db
from fund.review import exports, scoring
from fund.review.exports import export_refusal
from fund.review.forms import (
    AGGREGATE_LABELS,
    EXEMPTION_OUTCOME_LABELS,
    GROUND_LABELS,
    PROPOSAL_CHOICES,
    RECOMMENDATION_LABELS,
    SCORE_STEPS,
    AccessRequestForm,
    ArchiveReferenceForm,
    ConfirmForm,
    DeclarationForm,
    ExemptionAssessmentForm,
    InhabilForm,
    LineForm,
    NoteForm,
    QueueFilterForm,
    ReviewSettingsForm,
    build_assessment_form,
    read_proposals,
)
from fund.review.labels import CASE_HISTORY_ACTIONS, PROPOSAL_WORDS
from fund.review.models import ConflictGround, ExemptionOutcome, ExportState
from fund.review.operations import (
    IncompleteAssessment,
    NotClosable,
    ProposalsInvalid,
    ReviewError,
    StaleAssessment,
    add_note,
    assess_exemption,
    assessment_for,
    assign_many,
    close_review,
    closing_check,
    confirm_measures,
    confirmation_token,
    declare,
    declare_inhabil_after_all,
    move_funding_line,
    open_case,
    proposal_refusals,
    propose_innstilling,
    record_access_request,
    save_assessment,
    save_proposals,
    set_archive_reference,
    update_review_settings,
)
from fund.review.permissions import (
    CASE_HANDLERS,
    can_assign_others,
    can_change_review_settings,
    can_edit_assessment,
    can_move_line,
    is_case_handler,
    is_disqualified,
    may_close_review,
    may_declare_inhabil_after_all,
    may_move_line,
    may_open,
    may_record_access,
    may_request_info,
)
from fund.review.queries import (
    access_request_of,
    access_requests_of,
    application_for_case,
    applications_to_assign,
    assignments_of,
    call_for_review,
    case_page,
    case_queue,
    declaration_of,
    eligibility_flags,
    full_ranking,
    hidden_application_ids,
    innstilling_of,
    possible_substitutes,
    proposal_lines,
    ranking_for,
    undeclared_case_numbers,
    vacated_by,
    withdrawn_applications,
)
from fund.review.ranking import ranking_page
from fund.review.settings import settings_for

CASE_STATE_LABELS = STAFF_STATE_LABELS

bp = Blueprint("review", __name__, url_prefix="/saksbehandling")
#: The manager's review settings for a call, next to the call's other settings.
manage_bp = Blueprint("review_manage", __name__, url_prefix="/forvaltning")


def _case(application_id: int, declaring: bool = False):
    """The application for a case handler who may open it, or where to go first: the
    declaration, for one who has not declared. 404 for a disqualified one."""
    require(is_case_handler(current_user))
    application = application_for_case(application_id) or abort(404)
    declaration = declaration_of(current_user, application_id)
    if is_disqualified(current_user, application, declaration):
        abort(404)  # inhabil: the case does not exist for you
    if declaring or may_open(current_user, application, declaration):
        return application, declaration, None
    return application, declaration, redirect(
        url_for("review.declare_view", application_id=application.id))


def case_view(view):
    """For a case page: the view gets the application instead of its id, once
    ``permissions.may_open`` lets the user in (else to the declaration first); a
    disqualified one gets 404."""
    @wraps(view)
    def wrapper(application_id, **kwargs):
        application, _declaration, redirect_to = _case(application_id)
        return redirect_to or view(application, **kwargs)
    return wrapper


def _actor() -> User:
    return current_user._get_current_object()


def _expire_overdue_requests(application_id: int | None = None) -> None:
    """Information requests whose last day has passed expire before staff read the queue,
    a case, the ranking or the closing, so nothing waits for the nightly run."""
    now = utcnow()
    if not overdue_info_requests(now, application_id):
        return
    db.session.rollback()
    g.writes = True  # SQLite: the transaction that expires them takes the write lock at once
    commit(expire_info_requests, now, application_id)


# The list of received applications -------------------------------------------------------------

@bp.route("/soknader")
@login_required
def received():
    require(is_case_handler(current_user))
    _expire_overdue_requests()
    form = QueueFilterForm(request.args)
    assigns_others = can_assign_others(current_user)
    queue = case_queue(form.filters(), current_user, assigning=assigns_others)
    form.utlysning.choices = [("", _("Alle utlysninger"))] + [
        (str(c.id), c.title) for c in queue.calls]
    form.fond.choices = [("", _("Begge"))] + [(f.value, label) for f, label in
                                               FUND_LABELS.items()]
    form.status.choices = [("", _("Alle"))] + [(s.value, CASE_STATE_LABELS[s])
                                                for s in STAFF_VISIBLE]
    form.strategi.choices = [("", _("Alle"))] + _strategy_choices(queue.strategies)
    return render_template(
        "review/received.html", queue=queue, form=form,
        STATE_LABELS=translated(CASE_STATE_LABELS),
        ranked_calls=[c for c in queue.calls if c.state in RANKED_STATES],
        assign_form=ConfirmForm(), assigns_others=assigns_others)


def _strategy_choices(strategies) -> list[tuple[str, str]]:
    """The «Strategi» filter's options. With strategies of several plans (the same codes
    in each), each names its plan period and filters on that plan only."""
    if len({s.plan_id for s in strategies}) <= 1:
        return [(s.code, f"{s.code} {s.title}") for s in strategies]
    return [(f"{s.period}:{s.code}",
             _("%(code)s %(title)s (handlingsplan %(period)s)", code=s.code, title=s.title,
               period=s.period)) for s in strategies]


@bp.route("/soknader/tildel", methods=["POST"])
@login_required
def assign_view():
    require(is_case_handler(current_user))
    if not ConfirmForm().validate_on_submit():
        abort(400)
    actor = _actor()
    chosen = request.form.get("caseworker", "")
    if can_assign_others(actor) and chosen.isdigit() and len(chosen) <= 12:
        caseworker = db.session.get(User, int(chosen))
        if caseworker is None or caseworker.role not in CASE_HANDLERS:
            abort(404)
    else:
        caseworker = actor  # a caseworker takes it themself
    ids = [int(raw) for raw in request.form.getlist("application")
           if raw.isdigit() and len(raw) <= 12]
    back = request.form.get("back")
    back = back if is_safe_next(back) else url_for("review.received")
    if not ids:
        flash(_("Kryss av for søknadene som skal tildeles, i første kolonne."), "warning")
        return redirect(back)
    outcome = commit(assign_many, applications_to_assign(ids), caseworker, actor)
    if outcome:
        for message in outcome.value.refused:
            flash(message, "warning")
        if outcome.value.done:
            flash(ngettext("%(num)s søknad er tildelt %(name)s.", "%(num)s søknader er tildelt "
                           "%(name)s.", outcome.value.done, name=caseworker.name), "success")
    return redirect(back)


# Conflict of interest ------------------------------------------------------------------------

@bp.route("/soknader/<int:application_id>/habilitet", methods=["GET", "POST"])
@login_required
def declare_view(application_id):
    application, declaration, _redirect = _case(application_id, declaring=True)
    if declaration is not None:
        return redirect(url_for("review.case", application_id=application.id))
    form = DeclarationForm()
    if form.validate_on_submit():
        disqualified = form.disqualified.data == "yes"
        if commit(declare, application, _actor(), disqualified, form.chosen_ground,
                  form.explanation.data or "", advised=form.advised.data == "yes", into=form,
                  success=_("Du er registrert som inhabil og har ikke lenger tilgang til "
                            "saken.") if disqualified else None, category="info"):
            return redirect(url_for("review.received") if disqualified else
                            url_for("review.case", application_id=application.id))
    return render_template("review/declare.html", application=application, form=form)


# The case ------------------------------------------------------------------------------------

@bp.route("/soknader/<int:application_id>")
@writes
@login_required
@case_view
def case(application):
    _expire_overdue_requests(application.id)
    page = case_page(application, current_user)
    commit(open_case, application, _actor())
    return render_template(
        "review/case.html", application=application, page=page,
        note_form=NoteForm(), info_form=InfoRequestForm(),
        measures_token=confirmation_token(application), confirm_form=ConfirmForm(),
        may_request_info=may_request_info(current_user, application),
        STATE_LABELS=CASE_STATE_LABELS, HISTORY_ACTIONS=CASE_HISTORY_ACTIONS,
        RECOMMENDATION_LABELS=RECOMMENDATION_LABELS, GROUND_LABELS=GROUND_LABELS,
        attachment_url=_attachment_links(application), **snapshot_helpers())


def _attachment_links(application):
    """A link to each attachment of the snapshot that is still on the application (the
    same file: its name and checksum)."""
    ids = {(a.filename, a.sha256): a.id for a in application.attachments}

    def url(file: dict) -> str | None:
        found = ids.get((file.get("filename"), file.get("sha256")))
        return url_for("review.attachment", application_id=application.id,
                       attachment_id=found) if found else None
    return url


@bp.route("/soknader/<int:application_id>/vedlegg/<int:attachment_id>")
@writes
@login_required
@case_view
def attachment(application, attachment_id):
    item = next((a for a in application.attachments if a.id == attachment_id), None)
    if item is None:
        abort(404)
    try:
        path = read_attachment(application, item, current_user._get_current_object())
    except FileNotFoundError:
        abort(404)
    db.session.commit()
    return send_file(path, mimetype=item.content_type, as_attachment=True,
                     download_name=download_name(item.filename, item.content_type), max_age=0)


@bp.route("/soknader/<int:application_id>/soknad.pdf")
@login_required
@case_view
def application_pdf(application):
    if not application.submissions:
        abort(404)
    submission = application.submissions[-1]
    return pdf_response(staff_application_pdf(application, submission),
                        f"{application.case_number}-{submission.number}.pdf")


@bp.route("/soknader/<int:application_id>/be-om-opplysninger", methods=["POST"])
@login_required
@case_view
def request_info_view(application):
    form = InfoRequestForm()
    if form.validate_on_submit():
        commit(request_info, application, _actor(), form.message.data, form.answer_by.data,
               success=_("Søkeren er bedt om opplysninger og har fått e-post."))
    else:
        flash_errors(form)
    return redirect(url_for("review.case", application_id=application.id))


@bp.route("/soknader/<int:application_id>/tiltak", methods=["POST"])
@login_required
@case_view
def confirm_measures_view(application):
    if ConfirmForm().validate_on_submit():
        valid = {m.id for area in application.call.plan.areas for s in area.strategies
                 for m in s.measures}
        chosen = {int(raw) for raw in request.form.getlist("measure")
                  if raw.isdigit() and int(raw) in valid}
        commit(confirm_measures, application, _actor(), chosen,
               token=request.form.get("token"), success=_("Tiltakene er bekreftet."))
    return redirect(url_for("review.case", application_id=application.id, _anchor="tiltak"))


@bp.route("/soknader/<int:application_id>/notater", methods=["POST"])
@login_required
@case_view
def add_note_view(application):
    form = NoteForm()
    if form.validate_on_submit():
        commit(add_note, application, _actor(), form.text.data,
               success=_("Notatet er lagt til."))
    else:
        flash_errors(form)
    return redirect(url_for("review.case", application_id=application.id, _anchor="notater"))


# Inhabil after all, the archive reference, access requests ----------------------------------

@bp.route("/soknader/<int:application_id>/inhabil", methods=["GET", "POST"])
@login_required
def inhabil_view(application_id):
    """«Jeg er inhabil likevel»: change a habil declaration to inhabil, at any time."""
    application, declaration, redirect_to = _case(application_id)
    if redirect_to is not None:
        return redirect_to
    require(may_declare_inhabil_after_all(current_user, application, declaration))
    form = InhabilForm()
    if form.validate_on_submit() and commit(
            declare_inhabil_after_all, application, _actor(), declaration,
            ConflictGround(form.ground.data), form.explanation.data or "", into=form,
            success=_("Du er registrert som inhabil i %(case)s, er fjernet fra saken og har "
                      "ikke lenger tilgang til den. Vurderingen din teller ikke.",
                      case=application.case_number), category="info"):
        return redirect(url_for("review.received"))
    return render_template("review/inhabil.html", application=application, form=form,
                           declaration=declaration)


@bp.route("/soknader/<int:application_id>/var-referanse", methods=["POST"])
@login_required
@case_view
def archive_reference_view(application):
    require(may_record_access(current_user))
    form = ArchiveReferenceForm()
    if form.validate_on_submit():
        commit(set_archive_reference, application, _actor(), form.archive_reference.data or "",
               success=_("Vår referanse er lagret."))
    else:
        flash_errors(form)
    return redirect(url_for("review.case", application_id=application.id, _anchor="saken"))


@bp.route("/soknader/<int:application_id>/innsyn", methods=["POST"])
@login_required
@case_view
def access_request_view(application):
    require(may_record_access(current_user))
    form = AccessRequestForm()
    if form.validate_on_submit():
        commit(record_access_request, application, _actor(), form.requested_by.data,
               form.received_on.data, success=_("Innsynskravet er registrert. Vurder hver "
                                                 "opplysning under."))
    else:
        flash_errors(form)
    return redirect(url_for("review.case", application_id=application.id, _anchor="innsyn"))


@bp.route("/soknader/<int:application_id>/innsyn/<int:request_id>", methods=["POST"])
@login_required
@case_view
def exemption_assessment_view(application, request_id):
    require(may_record_access(current_user))
    access_request = access_request_of(application, request_id) or abort(404)
    form = ExemptionAssessmentForm()
    if form.validate_on_submit():
        commit(assess_exemption, application, access_request, _actor(), form.item.data,
               ExemptionOutcome(form.outcome.data), form.legal_basis.data or "",
               form.reason.data or "", success=_("Vurderingen er lagret."))
    else:
        flash_errors(form)
    return redirect(url_for("review.case", application_id=application.id, _anchor="innsyn"))


@template_hook.connect_via("case_page_panels")
def case_record_panel(_name, application, **_context):
    """On the case page: who handles the case (and whether it lacks a caseworker), «Vår
    referanse», access requests with the municipality's assessments, and «Jeg er inhabil
    likevel»."""
    if not is_case_handler(current_user):
        return None
    items = exemption_items(application)
    vacated = vacated_by([application.id]).get(application.id)
    return render_template(
        "review/_case_record.html", application=application,
        assignments=assignments_of(application),
        vacated=vacated, assigns_others=can_assign_others(current_user),
        caseworkers=possible_substitutes(application)
        if vacated and can_assign_others(current_user) else [],
        archive_form=ArchiveReferenceForm(archive_reference=application.archive_reference),
        access_form=AccessRequestForm(), access_requests=access_requests_of(application),
        items=items, requested=[i for i in items if i.requested is not None],
        assessment_form=ExemptionAssessmentForm(formdata=None),
        OUTCOME_LABELS=EXEMPTION_OUTCOME_LABELS)


# The assessment ------------------------------------------------------------------------------

@bp.route("/soknader/<int:application_id>/vurdering", methods=["GET", "POST"])
@login_required
@case_view
def assessment(application):
    own = assessment_for(application, _actor())
    criteria = application.call.criteria
    if request.method == "GET":
        return _assessment_page(application, own, build_assessment_form(criteria, own))
    form = build_assessment_form(criteria)
    errors: dict = {}
    if form.validate_on_submit():
        complete = request.form.get("complete") == "1"
        try:
            save_assessment(own, _actor(), form.stored_version, scores=form.scores(),
                            overall_comment=(form.overall_comment.data or "").strip(),
                            recommended_amount=form.recommended_amount.data,
                            recommendation=form.chosen_recommendation, complete=complete)
            db.session.commit()
        except (StaleAssessment, StaleDataError) as exc:
            db.session.rollback()
            errors["stale"] = str(exc) if isinstance(exc, StaleAssessment) else _(
                "Vurderingen ble lagret samtidig et annet sted. Endringene dine er ikke "
                "lagret, men står i skjemaet under.")
        except IncompleteAssessment as exc:
            db.session.rollback()
            # Each message on its own field: the criterion's scores, the recommendation.
            errors["incomplete"] = {
                f"score-{criterion_id}": _("Gi «%(criterion)s» en verdi.", criterion=title)
                for criterion_id, title in zip(exc.criterion_ids, exc.criteria, strict=True)}
            if exc.missing_recommendation:
                form.recommendation.errors = [*form.recommendation.errors,
                                              _("Velg en anbefaling.")]
        except ReviewError as exc:  # the review is closed: the page shows it read-only
            db.session.rollback()
            flash(str(exc), "danger")
            return redirect(url_for("review.assessment", application_id=application.id))
        else:
            flash(_("Vurderingen er fullført. Summen er %(total)s av 100.",
                    total=format_number(scoring.to_display(own.total_score))) if complete else
                  _("Vurderingen er lagret %(time)s.", time=format_datetime(own.updated_at)),
                  "success")
            return redirect(url_for("review.case", application_id=application.id))
    return _assessment_page(application, own, form, errors), 409 if "stale" in errors else 200


def _assessment_page(application, own, form, errors=None):
    return render_template(
        "review/assessment.html", application=application, form=form,
        criteria=application.call.criteria, errors=errors or {}, own=own,
        stored=build_assessment_form(application.call.criteria, own),
        RECOMMENDATION_LABELS=RECOMMENDATION_LABELS, steps=SCORE_STEPS,
        closed=not can_edit_assessment(current_user, own, application.call),
        # the application as sent in, to read beside the rubric
        snapshot=application.submissions[-1].snapshot if application.submissions else None,
        attachment_url=_attachment_links(application), **snapshot_helpers())


# Ranking and the innstilling -------------------------------------------------------------------

def _ranking(call_id: int, details: bool = False):
    """The call, its ranking as the current user may see it, and the applications of the
    call the user is inhabil in (``details``: as the exports need it)."""
    require(is_case_handler(current_user))
    _expire_overdue_requests()
    call = call_for_review(call_id) or abort(404)
    hidden = hidden_application_ids(current_user, call)
    return call, ranking_for(current_user, call, hidden, details), hidden


@bp.route("/utlysninger/<int:call_id>/rangering")
@login_required
def ranking_view(call_id):
    return _ranking_page(call_id)


def _ranking_page(call_id: int, line_form: LineForm | None = None):
    """The ranking page; with ``line_form``, the posted form with its errors on its fields
    (None if this reader is not shown the form)."""
    call, result, hidden = _ranking(call_id)
    page = ranking_page(result, request.args.get("side", 1, type=int))
    settings = settings_for(call)
    movable = may_move_line(current_user, call, bool(hidden)) and not result.withheld
    if line_form is not None and not movable:
        return None
    undeclared = undeclared_case_numbers(current_user, call) \
        if can_move_line(current_user) and not call.review_closed else []
    return render_template("review/ranking.html", call=call, result=result, page=page,
                           settings=settings, AGGREGATE_LABELS=AGGREGATE_LABELS,
                           export_refused=export_refusal(result), undeclared=undeclared,
                           jobs=exports.recent_jobs(current_user, call),
                           proposals_open=can_move_line(current_user) and call.review_closed,
                           proposed=innstilling_of(call),
                           # a new move needs its own reason: never the last one's
                           line_form=(line_form or LineForm(line=settings.funding_line))
                           if movable else None,
                           may_close=may_close_review(current_user)
                           and call.state == CallState.CLOSED)


@bp.route("/utlysninger/<int:call_id>/linje", methods=["POST"])
@login_required
def move_line(call_id):
    require(can_move_line(current_user))
    call = call_for_review(call_id) or abort(404)
    form = LineForm()
    if form.validate_on_submit():
        commit(move_funding_line, call, form.line.data, form.reason.data or "", _actor(),
               success=_("Budsjettlinjen er flyttet.") if form.line.data is not None else
               _("Budsjettlinjen følger budsjettet igjen."))
    elif "csrf_token" not in form.errors:
        page = _ranking_page(call.id, line_form=form)  # the errors next to their fields
        if page is not None:
            return page, 422
        flash_errors(form)
    else:
        flash_errors(form)
    return redirect(url_for("review.ranking_view", call_id=call.id))


@bp.route("/utlysninger/<int:call_id>/innstilling.<any(pdf, csv, xlsx):kind>")
@writes
@login_required
def innstilling(call_id, kind):
    from fund.review import innstilling as export
    call, result, _hidden = _ranking(call_id, details=True)
    refusal = export_refusal(result)
    if refusal:
        flash(refusal, "warning")
        return redirect(url_for("review.ranking_view", call_id=call.id))
    proposed = innstilling_of(call)
    if exports.needs_job(kind, len(result.rows)) and not (kind == "pdf" and proposed):
        # too long to make while the reader waits: made outside the request, on a POST
        return render_template("review/export_start.html", call=call, kind=kind,
                               rows=len(result.rows), form=ConfirmForm(),
                               jobs=exports.recent_jobs(current_user, call))
    if kind == "pdf" and proposed is not None:  # the document the deciding body got
        try:
            content = export.stored_path(proposed.stored_name).read_bytes()
        except FileNotFoundError:
            abort(404)
    elif kind == "pdf":
        content = export.to_pdf(result, proposal_lines(call, result), draft=True)
    else:
        content = {"csv": export.to_csv, "xlsx": export.to_xlsx}[kind](
            result, proposal_lines(call, result))
    # Logged once the document exists: a rendering that failed exported nothing.
    record("call.innstilling_exported", call, format=kind, proposed=proposed is not None)
    db.session.commit()
    response = current_app.response_class(content, content_type=export.MIMETYPES[kind])
    disposition = "inline" if kind == "pdf" else "attachment"
    response.headers["Content-Disposition"] = \
        f'{disposition}; filename="innstilling-{call.year}-{call.fund.value}.{kind}"'
    return response


# Long exports, made outside the request (fund.review.exports) ----------------------------------

@bp.route("/utlysninger/<int:call_id>/eksport/<any(pdf, csv, xlsx):kind>", methods=["POST"])
@login_required
def export_start(call_id, kind):
    """Queue the innstilling of a large call as a job; the reader follows it on its page."""
    call, result, _hidden = _ranking(call_id)
    if not ConfirmForm().validate_on_submit():
        abort(400)
    refusal = export_refusal(result)
    if refusal:
        flash(refusal, "warning")
        return redirect(url_for("review.ranking_view", call_id=call.id))
    job = exports.request_export(call, kind, _actor(), get_locale().language)
    db.session.commit()
    exports.start(job.id)
    return redirect(url_for("review.export_job", call_id=call.id, export_id=job.id), 303)


def _own_job(call_id: int, job_id: int):
    require(is_case_handler(current_user))
    return exports.own_job(current_user, call_id, job_id) or abort(404)


def _file_refused(job) -> str | None:
    """Why a made file may not be had now: whoever asked has since become inhabil in one
    of the call's applications, or blind review binds them again (a reopened assessment).
    The file holds every application, so it is checked on each download, as the direct
    export is."""
    if job.state != ExportState.DONE or job.kind == exports.PROPOSE:
        return None  # the proposed innstilling is checked where it is read
    _call, result, _hidden = _ranking(job.call_id)
    return export_refusal(result)


@bp.route("/utlysninger/<int:call_id>/eksport/jobb/<int:export_id>")
@login_required
def export_job(call_id, export_id):
    """The job's page: how far it has come (it refreshes itself while waiting), then the
    download, or why it failed and a way to try again."""
    job = _own_job(call_id, export_id)
    waiting = job.state in (ExportState.QUEUED, ExportState.RUNNING)
    response = current_app.make_response(render_template(
        "review/export_job.html", job=job, call=job.call, waiting=waiting,
        estimate=exports.estimate_seconds(job), progress=exports.progress_shown(job),
        refused=_file_refused(job), form=ConfirmForm(), ExportState=ExportState))
    if waiting:
        response.headers["Refresh"] = "3"
    return response


@bp.route("/utlysninger/<int:call_id>/eksport/jobb/<int:export_id>/fil")
@login_required
def export_file(call_id, export_id):
    job = _own_job(call_id, export_id)
    if job.state != ExportState.DONE:
        abort(404)
    if job.kind == exports.PROPOSE:  # the stored innstilling, as the deciding body has it
        return redirect(url_for("review.innstilling", call_id=call_id, kind="pdf"))
    refusal = _file_refused(job)
    if refusal:
        flash(refusal, "warning")
        return redirect(url_for("review.export_job", call_id=call_id, export_id=job.id))
    try:
        path = exports.file_path(job)
    except FileNotFoundError:
        abort(404)
    return send_file(path, mimetype=exports.mimetype(job),
                     as_attachment=job.kind != "pdf", download_name=exports.download_name(job))


@bp.route("/utlysninger/<int:call_id>/eksport/jobb/<int:export_id>/igjen", methods=["POST"])
@login_required
def export_retry(call_id, export_id):
    job = _own_job(call_id, export_id)
    if not ConfirmForm().validate_on_submit():
        abort(400)
    if commit(exports.retry, job, _actor()).ok:
        exports.start(job.id)
    return redirect(url_for("review.export_job", call_id=call_id, export_id=job.id), 303)


@bp.route("/utlysninger/<int:call_id>/avslutt", methods=["GET", "POST"])
@login_required
def close_view(call_id):
    """Close the review: a page that says what happens and shows the figures, then the
    manager confirms. Irreversible."""
    require(may_close_review(current_user))
    _expire_overdue_requests()
    call = call_for_review(call_id) or abort(404)
    form = ConfirmForm()
    if request.method == "POST":
        if not form.validate_on_submit():
            flash_errors(form)
        elif _close(call):
            flash(_("Behandlingen er avsluttet, og innstillingen er låst."), "success")
            return redirect(url_for("review.ranking_view", call_id=call.id))
        return redirect(url_for("review.close_view", call_id=call.id))
    return render_template("review/close.html", call=call, check=closing_check(call, _actor()),
                           form=form)


def _close(call) -> bool:
    try:
        close_review(call, _actor())
        db.session.commit()
    except NotClosable:
        db.session.rollback()  # the page says why
        return False
    except (ReviewError, IntegrityError) as exc:
        db.session.rollback()
        flash(str(exc) if isinstance(exc, ReviewError) else
              _("Behandlingen er allerede avsluttet."), "danger")
        return False
    return True


# The administration's proposals (the innstilling) ---------------------------------------------

@bp.route("/utlysninger/<int:call_id>/forslag", methods=["GET", "POST"])
@login_required
def proposals_view(call_id):
    """One proposal per application once the review is closed, then «Legg fram
    innstillingen»: the proposals are locked and the PDF stored."""
    require(can_move_line(current_user))
    call = call_for_review(call_id) or abort(404)
    actor = _actor()
    refusals = proposal_refusals(call, actor)
    inhabil = bool(hidden_application_ids(actor, call))
    result = full_ranking(call, details=False) if call.review_closed and not inhabil \
        else None
    errors: dict[int, str] = {}
    posted = None
    if request.method == "POST" and result is not None:
        if not ConfirmForm().validate_on_submit():
            abort(400)
        ids = [row.application_id for row in result.rows]
        entries, errors = read_proposals(request.form, ids)
        posted = request.form
        if not errors:
            job = None
            try:
                save_proposals(call, actor, entries)
                if request.form.get("action") == "propose":
                    if exports.needs_job(exports.PROPOSE, len(result.rows)):  # too long
                        job = exports.request_export(call, exports.PROPOSE, actor,
                                                     RECORD_LOCALE, rows=len(result.rows))
                    else:
                        propose_innstilling(call, actor)
                db.session.commit()
            except ProposalsInvalid as exc:
                db.session.rollback()
                errors = exc.errors
            except (ReviewError, DocumentFailed) as exc:  # refused, or no PDF: nothing kept
                db.session.rollback()
                flash(str(exc), "danger")
                return redirect(url_for("review.proposals_view", call_id=call.id))
            else:
                if job is not None:
                    exports.start(job.id)
                    flash(_("Forslagene er lagret. Innstillingen lages nå og legges fram når "
                            "PDF-en er lagret."), "success")
                    return redirect(url_for("review.export_job", call_id=call.id,
                                            export_id=job.id))
                flash(_("Innstillingen er lagt fram. Forslagene er låst, og PDF-en er lagret.")
                      if request.form.get("action") == "propose" else
                      _("Forslagene er lagret."), "success")
                return redirect(url_for("review.proposals_view", call_id=call.id))
    lines = proposal_lines(call, result) if result is not None else {}
    return render_template(
        "review/proposals.html", call=call, result=result, lines=lines, refusals=refusals,
        errors=errors, posted=posted, form=ConfirmForm(), proposed=innstilling_of(call),
        flags=eligibility_flags(lines), withdrawn=withdrawn_applications(call)
        if result is not None else [], PROPOSAL_WORDS=PROPOSAL_WORDS,
        PROPOSAL_CHOICES=PROPOSAL_CHOICES,
        editable=result is not None and not refusals), 422 if errors else 200


# The review settings of a call, on the manager's page for it -----------------------------------

def _settings_form(call) -> ReviewSettingsForm:
    settings = settings_for(call)
    return ReviewSettingsForm(score_aggregate=settings.score_aggregate.value,
                              blind_review=settings.blind_review,
                              disagreement_threshold=settings.disagreement_threshold)


#: The calls whose applications can be ranked: open, closed or with the review closed.
RANKED_STATES = (CallState.OPEN, CallState.CLOSED, CallState.REVIEW_CLOSED)


@template_hook.connect_via("call_manage_panels")
def ranking_panel(_name, call, **_context):
    """The manager's way to the call's ranking and its applications, first of review's
    panels on the call's page."""
    if not is_case_handler(current_user) or call.state not in RANKED_STATES:
        return None
    return render_template("review/_ranking_panel.html", call=call)


@template_hook.connect_via("call_manage_panels")
def settings_panel(_name, call, **_context):
    if not can_change_review_settings(current_user, call):
        return None
    return render_template("review/_settings_panel.html", call=call,
                           settings_form=_settings_form(call))


@manage_bp.route("/utlysninger/<int:call_id>/vurdering", methods=["POST"])
@login_required
def review_settings(call_id):
    require(can_manage_calls(current_user))
    call = call_for_page(call_id) or abort(404)
    form = ReviewSettingsForm()
    if form.validate_on_submit():
        commit(update_review_settings, call, _actor(),
               score_aggregate=scoring.Aggregate(form.score_aggregate.data),
               blind_review=form.blind_review.data,
               disagreement_threshold=form.disagreement_threshold.data,
               success=_("Oppsettet for vurderingen er lagret."))
    else:
        flash_errors(form)
    return redirect(url_for("calls.manage_call", call_id=call.id))
