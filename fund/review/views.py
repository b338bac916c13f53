from decimal import Decimal

from flask import abort, current_app, flash, redirect, render_template, request, send_file, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from sqlalchemy import select
from sqlalchemy.orm import joinedload, selectinload
from sqlalchemy.orm.exc import StaleDataError

from fund.applications.forms import InfoRequestForm
from fund.applications.labels import CONFIDENTIAL_FIELD_LABELS, SDG_LABELS, STATE_LABELS
from fund.applications.models import Application, ApplicationMeasure, InfoRequest
from fund.applications.operations import ApplicationError, request_info
from fund.applications.permissions import STAFF_VISIBLE
from fund.applications.uploads import open_stored
from fund.audit.models import AuditEvent
from fund.audit.operations import record
from fund.auth.models import Organisation
from fund.calls.models import Call, Criterion
from fund.calls.rubric import SCORE_STEPS
from fund.core.formatting import format_datetime
from fund.core.http import flash_errors, require
from fund.extensions import db
from fund.plan.models import Area, PlanVersion, Strategy
from fund.review import bp
from fund.review.forms import (
    GROUND_LABELS,
    RECOMMENDATION_LABELS,
    AssessmentForm,
    ConfirmForm,
    DeclarationForm,
    NoteForm,
)
from fund.review.models import (
    Assessment,
    AssessmentState,
    ConfirmedMeasure,
    ConflictDeclaration,
    ConflictGround,
    InternalNote,
)
from fund.review.operations import (
    IncompleteAssessment,
    ReviewError,
    StaleAssessment,
    add_note,
    assessment_for,
    confirm_measures,
    declare,
    save_assessment,
)
from fund.review.permissions import (
    is_case_handler,
    is_disqualified,
    is_received,
    must_declare,
)
from fund.review.scoring import Aggregate, Recommendation, aggregate, disagreement

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

@bp.route("/soknader")
@login_required
def received():
    require(is_case_handler(current_user))
    page = max(request.args.get("side", 1, type=int), 1)
    calls = db.session.execute(select(Call).order_by(Call.opens_at.desc())).scalars().all()
    call_id = request.args.get("utlysning", type=int)
    query = select(Application).where(Application.state.in_(STAFF_VISIBLE)).options(
        joinedload(Application.organisation).selectinload(Organisation.memberships),
        joinedload(Application.call))
    if call_id:
        query = query.where(Application.call_id == call_id)
    rows = db.session.execute(
        query.order_by(Application.submitted_at.desc(), Application.id.desc())
        .offset((page - 1) * PAGE_SIZE).limit(PAGE_SIZE + 1)).scalars().all()
    shown = rows[:PAGE_SIZE]
    ids = [a.id for a in shown]
    declarations = {d.application_id: d for d in db.session.execute(
        select(ConflictDeclaration).where(ConflictDeclaration.caseworker_id == current_user.id,
                                          ConflictDeclaration.application_id.in_(ids))).scalars()}
    mine = {a.application_id: a for a in db.session.execute(
        select(Assessment).where(Assessment.caseworker_id == current_user.id,
                                 Assessment.application_id.in_(ids))).scalars()}
    visible = [a for a in shown if not is_disqualified(current_user, a, declarations.get(a.id))]
    return render_template("review/received.html", applications=visible,
                           declarations=declarations, mine=mine,
                           hidden=len(shown) - len(visible), has_next=len(rows) > PAGE_SIZE,
                           page=page, calls=calls, call_id=call_id, STATE_LABELS=STATE_LABELS)


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


def _others_visible(application: Application, own: Assessment | None) -> bool:
    return not application.call.blind_review or (
        own is not None and own.state == AssessmentState.COMPLETED)


@bp.route("/soknader/<int:application_id>")
@login_required
def case(application_id):
    application, redirect_to = _case(application_id)
    if redirect_to:
        return redirect_to
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
        own=own, assessments=assessments if _others_visible(application, own) else [],
        completed=completed, summary=summary, disagree=disagree, confirmed=confirmed,
        notes=notes, history=history, note_form=NoteForm(), info_form=InfoRequestForm(),
        confirm_form=ConfirmForm(), STATE_LABELS=STATE_LABELS, SDG_LABELS=SDG_LABELS,
        CONFIDENTIAL_FIELD_LABELS=CONFIDENTIAL_FIELD_LABELS,
        RECOMMENDATION_LABELS=RECOMMENDATION_LABELS, GROUND_LABELS=GROUND_LABELS)


@bp.route("/soknader/<int:application_id>/vedlegg/<int:attachment_id>")
@login_required
def attachment(application_id, attachment_id):
    application, redirect_to = _case(application_id)
    if redirect_to:
        return redirect_to
    item = next((a for a in application.attachments if a.id == attachment_id), None)
    if item is None:
        abort(404)
    from fund.applications.views import upload_folder
    try:
        path = open_stored(upload_folder(), item.stored_name)
    except FileNotFoundError:
        abort(404)
    record("application.attachment_read", application, attachment=item.id)
    db.session.commit()
    return send_file(path, mimetype=item.content_type, as_attachment=True,
                     download_name=item.filename, max_age=0)


@bp.route("/soknader/<int:application_id>/soknad.pdf")
@login_required
def application_pdf(application_id):
    from fund.applications.receipt import receipt_pdf
    application, redirect_to = _case(application_id)
    if redirect_to:
        return redirect_to
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
def request_info_view(application_id):
    application, redirect_to = _case(application_id)
    if redirect_to:
        return redirect_to
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
def confirm_measures_view(application_id):
    application, redirect_to = _case(application_id)
    if redirect_to:
        return redirect_to
    if ConfirmForm().validate_on_submit():
        valid = {m.id for area in application.call.plan.areas for s in area.strategies
                 for m in s.measures}
        chosen = {int(raw) for raw in request.form.getlist("measure")
                  if raw.isdigit() and int(raw) in valid}
        confirm_measures(application, current_user._get_current_object(), chosen)
        db.session.commit()
        flash(_("Tiltakene er bekreftet."), "success")
    return redirect(url_for("review.case", application_id=application.id, _anchor="tiltak"))


@bp.route("/soknader/<int:application_id>/notater", methods=["POST"])
@login_required
def add_note_view(application_id):
    application, redirect_to = _case(application_id)
    if redirect_to:
        return redirect_to
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
        comment = request.form.get(f"comment-{criterion.id}", "").strip()[:5000]
        scores[criterion.id] = (score, not_applicable, comment)
    return scores


@bp.route("/soknader/<int:application_id>/vurdering", methods=["GET", "POST"])
@login_required
def assessment(application_id):
    application, redirect_to = _case(application_id)
    if redirect_to:
        return redirect_to
    own = assessment_for(application, current_user._get_current_object())
    criteria = application.call.criteria
    form = AssessmentForm(obj=own if request.method == "GET" else None)
    errors: dict = {}
    if request.method == "GET":
        form.version.data = str(own.version or "")
        form.recommendation.data = own.recommendation.value if own.recommendation else ""
        values = {row.criterion_id: row for row in own.scores}
        posted = {c.id: (values[c.id].score, values[c.id].not_applicable, values[c.id].comment)
                  if c.id in values else (None, False, "") for c in criteria}
        db.session.rollback()  # nothing is created by looking
        return render_template("review/assessment.html", application=application, form=form,
                               criteria=criteria, posted=posted, errors=errors,
                               RECOMMENDATION_LABELS=RECOMMENDATION_LABELS, steps=SCORE_STEPS)
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
        else:
            flash(_("Vurderingen er fullført. Summen er %(total)s av 100.",
                    total=own.total_score) if complete else
                  _("Vurderingen er lagret %(time)s.", time=format_datetime(own.updated_at)),
                  "success")
            return redirect(url_for("review.case", application_id=application.id))
    status = 409 if "stale" in errors else 200
    return render_template("review/assessment.html", application=application, form=form,
                           criteria=criteria, posted=posted, errors=errors,
                           RECOMMENDATION_LABELS=RECOMMENDATION_LABELS,
                           steps=SCORE_STEPS), status
