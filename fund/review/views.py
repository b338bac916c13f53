from decimal import Decimal
from functools import wraps

from flask import (
    Blueprint,
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    send_file,
    url_for,
)
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_login import current_user, login_required
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import joinedload, selectinload
from sqlalchemy.orm.exc import StaleDataError

from fund.applications.forms import InfoRequestForm
from fund.applications.labels import CONFIDENTIAL_FIELD_LABELS, SDG_LABELS, STATE_LABELS
from fund.applications.models import Application, ApplicationMeasure, ApplicationState, InfoRequest
from fund.applications.operations import ApplicationError, request_info
from fund.applications.permissions import STAFF_VISIBLE
from fund.applications.rules import Settings, eligibility
from fund.applications.uploads import download_name, open_stored, upload_folder
from fund.audit.models import AuditEvent
from fund.audit.operations import record
from fund.auth.models import Organisation, User
from fund.calls.labels import FUND_LABELS
from fund.calls.models import Call, CallState, Criterion, Fund
from fund.calls.rubric import SCORE_STEPS
from fund.core.formatting import format_datetime, to_local
from fund.core.forms import clean_text
from fund.core.http import MAX_INT, flash_errors, int_arg, is_safe_next, require, writes
from fund.core.roles import Role
from fund.core.types import utcnow
from fund.extensions import db
from fund.plan.models import Area, Measure, PlanVersion, Strategy
from fund.review.forms import (
    GROUND_LABELS,
    RECOMMENDATION_LABELS,
    AssessmentForm,
    ConfirmForm,
    DeclarationForm,
    LineForm,
    NoteForm,
)
from fund.review.models import (
    Assessment,
    AssessmentState,
    Assignment,
    ConfirmedMeasure,
    ConflictDeclaration,
    ConflictGround,
    InternalNote,
)
from fund.review.operations import (
    IncompleteAssessment,
    NotClosable,
    ReviewError,
    StaleAssessment,
    add_note,
    assessment_for,
    assign,
    close_review,
    closing_check,
    confirm_measures,
    confirmation_token,
    declare,
    move_funding_line,
    save_assessment,
)
from fund.review.permissions import (
    CASE_HANDLERS,
    is_case_handler,
    is_disqualified,
    is_received,
    may_close_review,
    may_move_line,
    must_declare,
    sees_others_assessments,
)
from fund.review.queries import inhabil_application_ids, ranking_for
from fund.review.ranking import RankingResult
from fund.review.scoring import Aggregate, Recommendation, aggregate, disagreement

bp = Blueprint("review", __name__, url_prefix="/saksbehandling")

PAGE_SIZE = 50


def _declaration(application_id: int) -> ConflictDeclaration | None:
    return db.session.execute(select(ConflictDeclaration).where(
        ConflictDeclaration.application_id == application_id,
        ConflictDeclaration.caseworker_id == current_user.id)).scalar_one_or_none()


def _application(application_id: int) -> Application:
    application = db.session.execute(
        select(Application).where(Application.id == application_id).options(
            selectinload(Application.organisation).selectinload(Organisation.memberships),
            selectinload(Application.call).selectinload(Call.criteria)
            .selectinload(Criterion.goals),
            selectinload(Application.call).selectinload(Call.plan)
            .selectinload(PlanVersion.areas).selectinload(Area.strategies)
            .selectinload(Strategy.measures),
            selectinload(Application.measures).selectinload(ApplicationMeasure.measure),
            selectinload(Application.attachments), selectinload(Application.submissions),
            selectinload(Application.info_requests).selectinload(InfoRequest.requested_by),
        )).scalar_one_or_none()
    if application is None or not is_received(application):
        abort(404)
    return application


def case_view(view):
    """For a case page: the view gets the application instead of its id, once the
    caseworker has declared themself impartial (else to the declaration first); a
    disqualified one gets 404."""
    @wraps(view)
    def wrapper(application_id, **kwargs):
        application, redirect_to = _case(application_id)
        return redirect_to or view(application, **kwargs)
    return wrapper


def _case(application_id: int, declaring: bool = False):
    """The application for a case handler who may open it; 404 for a disqualified one."""
    require(is_case_handler(current_user))
    application = _application(application_id)
    declaration = _declaration(application_id)
    if is_disqualified(current_user, application, declaration):
        abort(404)  # inhabil: the case does not exist for you
    if not declaring and must_declare(current_user, application, declaration):
        return application, redirect(url_for("review.declare_view",
                                             application_id=application.id))
    return application, None


# The list of received applications -------------------------------------------------------------

SORTS = {
    "innsendt": (Application.submitted_at.desc(), Application.id.desc()),
    "eldst": (Application.submitted_at, Application.id),
    "belop": (Application.amount_applied.desc(), Application.id),
    "tittel": (Application.title, Application.id),
}


@bp.route("/soknader")
@login_required
def received():
    require(is_case_handler(current_user))
    args = request.args
    page = int_arg("side", 1)
    calls = db.session.execute(select(Call).order_by(Call.opens_at.desc())).scalars().all()
    call_id = int_arg("utlysning", maximum=MAX_INT)
    call = next((c for c in calls if c.id == call_id), None)
    query = select(Application).options(
        joinedload(Application.organisation).selectinload(Organisation.memberships),
        joinedload(Application.call), selectinload(Application.strategies),
        selectinload(Application.measures).selectinload(ApplicationMeasure.measure),
        selectinload(Application.cost_lines), selectinload(Application.financing_lines),
        selectinload(Application.aid_received))
    state = args.get("status", "")
    query = query.where(Application.state == ApplicationState(state)) if state in \
        {s.value for s in STAFF_VISIBLE} else query.where(Application.state.in_(STAFF_VISIBLE))
    if call_id:
        query = query.where(Application.call_id == call_id)
    if args.get("fond") in {f.value for f in Fund}:
        query = query.where(Application.call.has(Call.fund == Fund(args["fond"])))
    if args.get("strategi"):
        query = query.where(Application.strategies.any(Strategy.code == args["strategi"]))
    if args.get("tiltak"):
        query = query.where(Application.measures.any(
            ApplicationMeasure.measure.has(Measure.code == args["tiltak"])))
    if args.get("mine"):
        query = query.where(select(Assignment.id).where(
            Assignment.application_id == Application.id,
            Assignment.caseworker_id == current_user.id).exists())
    if args.get("uvurdert"):
        query = query.where(~select(Assessment.id).where(
            Assessment.application_id == Application.id,
            Assessment.caseworker_id == current_user.id,
            Assessment.state == AssessmentState.COMPLETED).exists())
    query = query.order_by(*SORTS.get(args.get("sorter", ""), SORTS["innsendt"]))
    failures_only = bool(args.get("vilkar"))
    if failures_only:  # the rules are code, not SQL: filter the whole result, then page
        matching = [a for a in db.session.execute(query).unique().scalars()
                    if eligibility_problems(a)]
        shown, has_next = matching[(page - 1) * PAGE_SIZE:page * PAGE_SIZE], \
            len(matching) > page * PAGE_SIZE
    else:
        rows = db.session.execute(query.offset((page - 1) * PAGE_SIZE).limit(PAGE_SIZE + 1)
                                  ).unique().scalars().all()
        shown, has_next = rows[:PAGE_SIZE], len(rows) > PAGE_SIZE
    ids = [a.id for a in shown]
    declarations = {d.application_id: d for d in db.session.execute(
        select(ConflictDeclaration).where(ConflictDeclaration.caseworker_id == current_user.id,
                                          ConflictDeclaration.application_id.in_(ids))).scalars()}
    mine = {a.application_id: a for a in db.session.execute(
        select(Assessment).where(Assessment.caseworker_id == current_user.id,
                                 Assessment.application_id.in_(ids))).scalars()}
    assigned: dict[int, list] = {}
    for assignment in db.session.execute(
            select(Assignment).where(Assignment.application_id.in_(ids))
            .options(joinedload(Assignment.caseworker))).scalars():
        assigned.setdefault(assignment.application_id, []).append(assignment.caseworker)
    visible = [a for a in shown if not is_disqualified(current_user, a, declarations.get(a.id))]
    caseworkers = db.session.execute(select(User).where(
        User.role.in_(CASE_HANDLERS), User.active.is_(True)).order_by(User.name)).scalars().all()
    return render_template(
        "review/received.html", applications=visible, declarations=declarations, mine=mine,
        assigned=assigned, problems={a.id: eligibility_problems(a) for a in visible},
        hidden=len(shown) - len(visible), has_next=has_next, page=page, calls=calls,
        call=call, call_id=call_id, args=args, caseworkers=caseworkers,
        strategies=_strategies(call), STATE_LABELS=STATE_LABELS, FUND_LABELS=FUND_LABELS,
        assign_form=ConfirmForm(), is_manager=current_user.role == Role.MANAGER)


def eligibility_problems(application: Application):
    settings = Settings.from_config(current_app.config)
    return eligibility(application, settings, to_local(utcnow()).date())


def _strategies(call: Call | None) -> list[Strategy]:
    plan_id = call.plan_id if call else None
    query = select(Strategy).join(Area).order_by(Strategy.code)
    if plan_id:
        query = query.where(Area.plan_id == plan_id)
    return db.session.execute(query).scalars().all()


@bp.route("/soknader/tildel", methods=["POST"])
@login_required
def assign_view():
    require(is_case_handler(current_user))
    if not ConfirmForm().validate_on_submit():
        abort(400)
    actor = current_user._get_current_object()
    if current_user.role == Role.MANAGER and request.form.get("caseworker", "").isdigit():
        caseworker = db.session.get(User, int(request.form["caseworker"]))
        if caseworker is None or caseworker.role not in CASE_HANDLERS:
            abort(404)
    else:
        caseworker = actor  # a caseworker takes it themself
    ids = [int(raw) for raw in request.form.getlist("application") if raw.isdigit()]
    applications = db.session.execute(select(Application).where(
        Application.id.in_(ids), Application.state.in_(STAFF_VISIBLE)).options(
        selectinload(Application.organisation).selectinload(Organisation.memberships))
    ).scalars().all()
    done, refused = 0, []
    for application in applications:
        if caseworker.id == actor.id and is_disqualified(
                actor, application, _declaration(application.id)):
            continue  # nothing to see, nothing to take
        try:
            done += assign(application, caseworker, actor)
        except ReviewError as exc:
            refused.append(str(exc))
    db.session.commit()
    for message in refused:
        flash(message, "warning")
    if done:
        flash(ngettext("%(num)s søknad er tildelt %(name)s.", "%(num)s søknader er tildelt "
                       "%(name)s.", done, name=caseworker.name), "success")
    return redirect(request.form.get("back") if is_safe_next(request.form.get("back"))
                    else url_for("review.received"))


# Conflict of interest ------------------------------------------------------------------------

@bp.route("/soknader/<int:application_id>/habilitet", methods=["GET", "POST"])
@login_required
def declare_view(application_id):
    application, _redirect = _case(application_id, declaring=True)
    if _declaration(application_id) is not None:
        return redirect(url_for("review.case", application_id=application.id))
    form = DeclarationForm()
    if form.validate_on_submit():
        disqualified = form.disqualified.data == "yes"
        ground = ConflictGround(form.ground.data) if form.ground.data else None
        try:
            declare(application, current_user._get_current_object(), disqualified, ground,
                    form.explanation.data or "")
        except ReviewError as exc:
            db.session.rollback()
            form.ground.errors.append(str(exc))
        else:
            db.session.commit()
            if disqualified:
                flash(_("Du er registrert som inhabil og har ikke lenger tilgang til saken."),
                      "info")
                return redirect(url_for("review.received"))
            return redirect(url_for("review.case", application_id=application.id))
    return render_template("review/declare.html", application=application, form=form)


# The case ------------------------------------------------------------------------------------

def _assessments(application: Application) -> list[Assessment]:
    return db.session.execute(
        select(Assessment).where(Assessment.application_id == application.id)
        .options(selectinload(Assessment.scores), joinedload(Assessment.caseworker))
        .order_by(Assessment.id)).unique().scalars().all()


@bp.route("/soknader/<int:application_id>")
@writes
@login_required
@case_view
def case(application):
    assessments = _assessments(application)
    own = next((a for a in assessments if a.caseworker_id == current_user.id), None)
    completed = [a for a in assessments if a.state == AssessmentState.COMPLETED]
    summary = aggregate([a.total_score for a in completed],
                        Aggregate(application.call.score_aggregate.value))
    disagree = disagreement([a.recommendation for a in completed], summary.spread,
                            Decimal(application.call.disagreement_threshold))
    confirmed = {c.measure_id for c in db.session.execute(select(ConfirmedMeasure).where(
        ConfirmedMeasure.application_id == application.id)).scalars()}
    notes = db.session.execute(
        select(InternalNote).where(InternalNote.application_id == application.id)
        .options(joinedload(InternalNote.author)).order_by(InternalNote.id)).scalars().all()
    history = db.session.execute(
        select(AuditEvent).where(AuditEvent.object_type == "applications",
                                 AuditEvent.object_id == application.id)
        .options(joinedload(AuditEvent.actor)).order_by(AuditEvent.id)).scalars().all()
    record("review.case_opened", application)
    db.session.commit()
    return render_template(
        "review/case.html", application=application,
        snapshot=application.submissions[-1].snapshot if application.submissions else None,
        own=own, assessments=assessments
        if sees_others_assessments(current_user, application.call, own) else [],
        completed=completed, summary=summary, disagree=disagree, confirmed=confirmed,
        notes=notes, history=history, note_form=NoteForm(), info_form=InfoRequestForm(),
        measures_token=confirmation_token(application),
        confirm_form=ConfirmForm(), STATE_LABELS=STATE_LABELS, SDG_LABELS=SDG_LABELS,
        CONFIDENTIAL_FIELD_LABELS=CONFIDENTIAL_FIELD_LABELS,
        RECOMMENDATION_LABELS=RECOMMENDATION_LABELS, GROUND_LABELS=GROUND_LABELS)


@bp.route("/soknader/<int:application_id>/vedlegg/<int:attachment_id>")
@writes
@login_required
@case_view
def attachment(application, attachment_id):
    item = next((a for a in application.attachments if a.id == attachment_id), None)
    if item is None:
        abort(404)
    try:
        path = open_stored(upload_folder(), item.stored_name)
    except FileNotFoundError:
        abort(404)
    record("application.attachment_read", application, attachment=item.id)
    db.session.commit()
    return send_file(path, mimetype=item.content_type, as_attachment=True,
                     download_name=download_name(item.filename, item.content_type), max_age=0)


@bp.route("/soknader/<int:application_id>/soknad.pdf")
@login_required
@case_view
def application_pdf(application):
    from fund.applications.receipt import receipt_pdf
    if not application.submissions:
        abort(404)
    submission = application.submissions[-1]
    response = current_app.response_class(receipt_pdf(application, submission),
                                          mimetype="application/pdf")
    response.headers["Content-Disposition"] = \
        f'inline; filename="{application.case_number}-{submission.number}.pdf"'
    return response


@bp.route("/soknader/<int:application_id>/be-om-opplysninger", methods=["POST"])
@login_required
@case_view
def request_info_view(application):
    form = InfoRequestForm()
    if form.validate_on_submit():
        try:
            request_info(application, current_user._get_current_object(), form.message.data)
        except ApplicationError as exc:
            db.session.rollback()
            flash(str(exc), "danger")
        else:
            db.session.commit()
            flash(_("Søkeren er bedt om opplysninger og har fått e-post."), "success")
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
        try:
            confirm_measures(application, current_user._get_current_object(), chosen,
                             token=request.form.get("token"))
        except ReviewError as exc:
            db.session.rollback()
            flash(str(exc), "danger")
        else:
            db.session.commit()
            flash(_("Tiltakene er bekreftet."), "success")
    return redirect(url_for("review.case", application_id=application.id, _anchor="tiltak"))


@bp.route("/soknader/<int:application_id>/notater", methods=["POST"])
@login_required
@case_view
def add_note_view(application):
    form = NoteForm()
    if form.validate_on_submit():
        add_note(application, current_user._get_current_object(), form.text.data)
        db.session.commit()
        flash(_("Notatet er lagt til."), "success")
    else:
        flash_errors(form)
    return redirect(url_for("review.case", application_id=application.id, _anchor="notater"))


# The assessment ------------------------------------------------------------------------------

def _posted_scores(criteria, errors: dict) -> dict[int, tuple[int | None, bool, str]]:
    scores = {}
    for criterion in criteria:
        raw = request.form.get(f"score-{criterion.id}", "")
        not_applicable = raw == "na"
        score = int(raw) if raw.isdigit() and 0 <= int(raw) <= 5 else None
        if raw and not not_applicable and score is None:
            errors[f"score-{criterion.id}"] = _("Velg en verdi fra 0 til 5.")
        comment = clean_text(request.form.get(f"comment-{criterion.id}")).strip()[:5000]
        scores[criterion.id] = (score, not_applicable, comment)
    return scores


def _stored_scores(own: Assessment, criteria) -> dict[int, tuple[int | None, bool, str]]:
    values = {row.criterion_id: row for row in own.scores}
    return {c.id: (values[c.id].score, values[c.id].not_applicable, values[c.id].comment)
            if c.id in values else (None, False, "") for c in criteria}


@bp.route("/soknader/<int:application_id>/vurdering", methods=["GET", "POST"])
@login_required
@case_view
def assessment(application):
    own = assessment_for(application, current_user._get_current_object())
    criteria = application.call.criteria
    form = AssessmentForm(obj=own if request.method == "GET" else None)
    errors: dict = {}
    if request.method == "GET":
        form.version.data = str(own.version or "")
        form.recommendation.data = own.recommendation.value if own.recommendation else ""
        posted = _stored_scores(own, criteria)
        db.session.rollback()  # nothing is created by looking
        return render_template("review/assessment.html", application=application, form=form,
                               criteria=criteria, posted=posted, errors=errors, own=own,
                               stored=posted, RECOMMENDATION_LABELS=RECOMMENDATION_LABELS,
                               steps=SCORE_STEPS, closed=application.call.review_closed)
    posted = _posted_scores(criteria, errors)
    complete = request.form.get("complete") == "1"
    if form.validate_on_submit() and not errors:
        version = int(form.version.data) if (form.version.data or "").isdigit() else None
        try:
            save_assessment(
                own, current_user._get_current_object(), version, scores=posted,
                overall_comment=(form.overall_comment.data or "").strip(),
                recommended_amount=form.recommended_amount.data,
                recommendation=Recommendation(form.recommendation.data)
                if form.recommendation.data else None, complete=complete)
            db.session.commit()
        except StaleAssessment as exc:
            db.session.rollback()
            errors["stale"] = str(exc)
        except StaleDataError:
            db.session.rollback()
            errors["stale"] = _("Vurderingen ble lagret samtidig et annet sted. Endringene dine "
                                "er ikke lagret, men står i skjemaet under.")
        except IncompleteAssessment as exc:
            db.session.rollback()
            for title in exc.criteria:
                errors.setdefault("incomplete", []).append(
                    _("Gi «%(criterion)s» en verdi.", criterion=title))
            if exc.missing_recommendation:
                errors.setdefault("incomplete", []).append(_("Velg en anbefaling."))
        except ReviewError as exc:  # the review is closed: the page shows it read-only
            db.session.rollback()
            flash(str(exc), "danger")
            return redirect(url_for("review.assessment", application_id=application.id))
        else:
            flash(_("Vurderingen er fullført. Summen er %(total)s av 100.",
                    total=own.total_score) if complete else
                  _("Vurderingen er lagret %(time)s.", time=format_datetime(own.updated_at)),
                  "success")
            return redirect(url_for("review.case", application_id=application.id))
    status = 409 if "stale" in errors else 200
    return render_template("review/assessment.html", application=application, form=form,
                           criteria=criteria, posted=posted, errors=errors, own=own,
                           stored=_stored_scores(own, criteria),
                           RECOMMENDATION_LABELS=RECOMMENDATION_LABELS, steps=SCORE_STEPS,
                           closed=application.call.review_closed), status


# Ranking and the innstilling -------------------------------------------------------------------

def _call(call_id: int) -> Call:
    call = db.session.execute(select(Call).where(Call.id == call_id).options(
        selectinload(Call.criteria), selectinload(Call.plan))).scalar_one_or_none()
    if call is None:
        abort(404)
    return call


def _ranking(call_id: int) -> tuple[Call, RankingResult, set[int]]:
    """The call, its ranking as the current user may see it, and the applications of the
    call the user is inhabil in."""
    require(is_case_handler(current_user))
    call = _call(call_id)
    inhabil = inhabil_application_ids(current_user, call)
    return call, ranking_for(current_user, call, inhabil), inhabil


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


@bp.route("/utlysninger/<int:call_id>/rangering")
@login_required
def ranking_view(call_id):
    call, result, inhabil = _ranking(call_id)
    movable = may_move_line(current_user, call, bool(inhabil)) and not result.withheld
    return render_template("review/ranking.html", call=call, result=result,
                           export_refused=export_refusal(result),
                           line_form=LineForm(line=call.funding_line,
                                              reason=call.funding_line_reason)
                           if movable else None,
                           may_close=may_close_review(current_user)
                           and call.state == CallState.CLOSED)


@bp.route("/utlysninger/<int:call_id>/linje", methods=["POST"])
@login_required
def move_line(call_id):
    require(current_user.role == Role.MANAGER)
    call = db.session.get(Call, call_id) or abort(404)
    form = LineForm()
    if form.validate_on_submit():
        try:
            move_funding_line(call, form.line.data, form.reason.data or "",
                              current_user._get_current_object())
        except ReviewError as exc:
            db.session.rollback()
            flash(str(exc), "danger")
        else:
            db.session.commit()
            flash(_("Budsjettlinjen er flyttet.") if form.line.data is not None else
                  _("Budsjettlinjen følger budsjettet igjen."), "success")
    else:
        flash_errors(form)
    return redirect(url_for("review.ranking_view", call_id=call.id))


@bp.route("/utlysninger/<int:call_id>/innstilling.<any(pdf, csv, xlsx):kind>")
@writes
@login_required
def innstilling(call_id, kind):
    from fund.review import innstilling as export
    call, result, _inhabil = _ranking(call_id)
    refusal = export_refusal(result)
    if refusal:
        flash(refusal, "warning")
        return redirect(url_for("review.ranking_view", call_id=call.id))
    record("call.innstilling_exported", call, format=kind)
    db.session.commit()
    content, mimetype = {
        "pdf": (export.to_pdf, "application/pdf"),
        "csv": (export.to_csv, "text/csv; charset=utf-8"),
        "xlsx": (export.to_xlsx,
                 "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
    }[kind]
    response = current_app.response_class(content(result), content_type=mimetype)
    disposition = "inline" if kind == "pdf" else "attachment"
    response.headers["Content-Disposition"] = \
        f'{disposition}; filename="innstilling-{call.year}-{call.fund.value}.{kind}"'
    return response


@bp.route("/utlysninger/<int:call_id>/avslutt", methods=["GET", "POST"])
@login_required
def close_view(call_id):
    """Close the review: a page that says what happens and shows the figures, then the
    manager confirms. Irreversible."""
    require(may_close_review(current_user))
    call = _call(call_id)
    actor = current_user._get_current_object()
    form = ConfirmForm()
    if request.method == "POST":
        if form.validate_on_submit():
            try:
                close_review(call, actor)
                db.session.commit()
            except NotClosable:
                db.session.rollback()  # the page below says why
            except (ReviewError, IntegrityError) as exc:
                db.session.rollback()
                flash(str(exc) if isinstance(exc, ReviewError) else
                      _("Behandlingen er allerede avsluttet."), "danger")
            else:
                flash(_("Behandlingen er avsluttet, og innstillingen er låst."), "success")
                return redirect(url_for("review.ranking_view", call_id=call.id))
        else:
            flash_errors(form)
        return redirect(url_for("review.close_view", call_id=call.id))
    check = closing_check(call, actor)
    return render_template("review/close.html", call=call, check=check, form=form)
