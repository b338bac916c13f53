
from flask import (
    Blueprint,
    abort,
    current_app,
    flash,
    jsonify,
    redirect,
    render_template,
    request,
    send_file,
    url_for,
)
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required
from sqlalchemy import select
from sqlalchemy.orm import selectinload
from sqlalchemy.orm.exc import StaleDataError
from wtforms.fields.choices import SelectChoice

from fund.applications.forms import (
    ApplicationForm,
    ConfirmForm,
    StartForm,
    SubmitForm,
)
from fund.applications.labels import CONFIDENTIAL_FIELD_LABELS, SDG_LABELS, STATE_LABELS
from fund.applications.models import (
    Application,
    ApplicationMeasure,
    ApplicationState,
    Attachment,
    ClimateCategory,
    CostCategory,
    FinancingKind,
    InfoRequest,
)
from fund.applications.operations import (
    ApplicationError,
    LateSubmission,
    NotReady,
    StaleApplication,
    check_attachments_allowed,
    delete_draft,
    problems_for,
    save_draft,
    start_application,
    submit,
    withdraw,
)
from fund.applications.permissions import (
    can_delete,
    can_edit,
    can_start,
    can_view,
    can_withdraw,
    is_applicant_for,
)
from fund.applications.rules import MAX_STRATEGIES
from fund.applications.uploads import (
    UploadRefused,
    download_name,
    open_stored,
    remove_stored,
    store,
    upload_folder,
)
from fund.audit.models import AuditEvent
from fund.audit.operations import record
from fund.auth.models import Membership, Organisation
from fund.calls.models import Call
from fund.calls.queries import open_calls as calls_open_at
from fund.core.formatting import format_datetime
from fund.core.forms import clean_text
from fund.core.http import int_arg, require, writes
from fund.core.types import utcnow
from fund.extensions import db
from fund.plan.models import Area, PlanVersion, Strategy

bp = Blueprint("applications", __name__)

SCALAR_FIELDS = (
    "contact_name", "contact_email", "contact_phone", "project_leader", "title", "summary",
    "description", "background", "goals", "anchoring", "partners", "starts_on", "ends_on",
    "milestones", "not_started", "additionality", "knowledge_jobs", "other_jobs", "competence",
    "education_partners", "international", "climate_category", "climate_baseline",
    "co2e_cut_tonnes", "co2e_method", "amount_applied", "in_group", "group_details")
#: Fields that are numbers, dates, flags or choices; the rest are text ("" when empty).
NON_TEXT_FIELDS = {"starts_on", "ends_on", "not_started", "knowledge_jobs", "other_jobs",
                   "climate_category", "co2e_cut_tonnes", "amount_applied", "in_group"}
#: Blank rows offered for new budget and aid lines (more with "add rows").
BLANK_ROWS = 2


def _load(application_id: int) -> Application:
    application = db.session.execute(
        select(Application).where(Application.id == application_id).options(
            selectinload(Application.organisation).selectinload(Organisation.memberships),
            selectinload(Application.call).selectinload(Call.plan)
            .selectinload(PlanVersion.areas).selectinload(Area.strategies)
            .selectinload(Strategy.measures),
            selectinload(Application.strategies),
            selectinload(Application.measures).selectinload(ApplicationMeasure.measure),
            selectinload(Application.cost_lines), selectinload(Application.financing_lines),
            selectinload(Application.aid_received), selectinload(Application.confidential),
            selectinload(Application.attachments), selectinload(Application.submissions),
            selectinload(Application.sdg_rows),
            selectinload(Application.info_requests).selectinload(InfoRequest.requested_by),
            selectinload(Application.updated_by),
        )).scalar_one_or_none()
    if application is None or not can_view(current_user, application):
        abort(404)  # another applicant's application does not exist for you
    return application


# The applicant's overview ---------------------------------------------------------------------

@bp.route("/soknader")
@login_required
def dashboard():
    require(can_start(current_user))
    organisations = db.session.execute(
        select(Organisation).join(Membership).where(Membership.user_id == current_user.id)
        .order_by(Organisation.name)).scalars().all()
    applications = db.session.execute(
        select(Application).where(Application.organisation_id.in_([o.id for o in organisations]))
        .options(selectinload(Application.call), selectinload(Application.info_requests))
        .order_by(Application.updated_at.desc())).scalars().all()
    by_org = {o.id: [] for o in organisations}
    for application in applications:
        by_org[application.organisation_id].append(application)
    now = utcnow()
    open_calls = calls_open_at(now)
    return render_template("applications/dashboard.html", organisations=organisations,
                           by_org=by_org, open_calls=open_calls, now=now,
                           STATE_LABELS=STATE_LABELS, start_form=StartForm())


@bp.route("/utlysninger/<int:call_id>/soknad", methods=["GET", "POST"])
@login_required
def start(call_id):
    require(can_start(current_user))
    call = db.session.get(Call, call_id) or abort(404)
    organisations = db.session.execute(
        select(Organisation).join(Membership).where(Membership.user_id == current_user.id)
        .order_by(Organisation.name)).scalars().all()
    if not organisations:
        flash(_("Registrer organisasjonen du søker for først."), "info")
        return redirect(url_for("auth.new_organisation"))
    form = StartForm()
    form.organisation.choices = [SelectChoice(str(o.id), f"{o.name} ({o.orgnr_display})")
                                 for o in organisations]
    if form.validate_on_submit():
        organisation = next(o for o in organisations if str(o.id) == form.organisation.data)
        try:
            application = start_application(call, organisation,
                                            current_user._get_current_object())
        except ApplicationError as exc:
            flash(str(exc), "danger")
            return redirect(url_for("calls.call", call_id=call.id))
        db.session.commit()
        flash(_("Utkastet er opprettet. Alt du skriver lagres som utkast til du sender inn."),
              "success")
        return redirect(url_for("applications.edit", application_id=application.id))
    return render_template("applications/start.html", call=call, form=form)


# Editing -------------------------------------------------------------------------------------

def _populate(form: ApplicationForm, application: Application, extra_rows: int) -> None:
    for name in SCALAR_FIELDS:
        value = getattr(application, name)
        if name == "climate_category":
            value = value.value if value else ""
        getattr(form, name).data = value
    form.version.data = str(application.version)
    for line in application.cost_lines:
        form.cost_lines.append_entry({"category": line.category.value,
                                      "description": line.description, "amount": line.amount})
    for line in application.financing_lines:
        form.financing_lines.append_entry({
            "kind": line.kind.value, "description": line.description, "hours": line.hours,
            "hourly_rate": line.hourly_rate, "amount": line.amount})
    for aid in application.aid_received:
        form.aid.append_entry({"grantor": aid.grantor, "granted_on": aid.granted_on,
                               "amount": aid.amount})
    for field_list in (form.cost_lines, form.financing_lines, form.aid):
        for _row in range(extra_rows):
            field_list.append_entry()


def _scalar_values(form: ApplicationForm) -> dict:
    values = {}
    for name in SCALAR_FIELDS:
        field = getattr(form, name)
        if field.errors:
            continue
        value = field.data
        if isinstance(value, str):
            value = value.strip()
        if value is None and name not in NON_TEXT_FIELDS:
            value = ""
        if name == "climate_category":
            value = ClimateCategory(value) if value else None
        values[name] = value
    return values


def _rows(field_list, convert) -> list[dict] | None:
    """The non-blank rows, or None (leave as is) if any row has an error."""
    rows = []
    for entry in field_list:
        if entry.form.errors:
            return None
        if not entry.form.is_blank():
            rows.append(convert(entry.form))
    return rows


def _cost_row(f) -> dict:
    return {"category": CostCategory(f.category.data), "description": (f.description.data or
                                                                      "").strip(),
            "amount": f.amount.data}


def _financing_row(f) -> dict:
    amount = f.amount.data
    if f.kind.data == FinancingKind.OWN_WORK.value and f.hours.data is not None \
            and f.hourly_rate.data is not None:
        amount = f.hours.data * f.hourly_rate.data
    return {"kind": FinancingKind(f.kind.data), "description": (f.description.data or "").strip(),
            "hours": f.hours.data, "hourly_rate": f.hourly_rate.data, "amount": amount}


def _aid_row(f) -> dict:
    return {"grantor": f.grantor.data.strip(), "granted_on": f.granted_on.data,
            "amount": f.amount.data}


def _plan_choices(application: Application):
    strategies = {s.id: s for area in application.call.plan.areas for s in area.strategies}
    measures = {m.id: m for s in strategies.values() for m in s.measures}
    return strategies, measures


def _posted_plan_fit(application: Application):
    strategies, measures = _plan_choices(application)
    chosen_measures = {}
    for raw in request.form.getlist("measure"):
        if raw.isdigit() and int(raw) in measures:
            chosen_measures[int(raw)] = clean_text(request.form.get(f"how-{raw}")).strip()[:2000]
    chosen_strategies = {int(raw) for raw in request.form.getlist("strategy")
                         if raw.isdigit() and int(raw) in strategies}
    chosen_strategies |= {measures[m].strategy_id for m in chosen_measures}
    return [strategies[s] for s in sorted(chosen_strategies, key=lambda i: strategies[i].code)], \
        chosen_measures


def _posted_sdgs() -> set[int]:
    return {int(raw) for raw in request.form.getlist("sdg") if raw.isdigit()
            and 1 <= int(raw) <= 17}


def _posted_confidential(errors: dict) -> dict[str, str] | None:
    marked = {}
    for name in CONFIDENTIAL_FIELD_LABELS:
        if request.form.get(f"conf-{name}"):
            reason = clean_text(request.form.get(f"conf-reason-{name}")).strip()[:2000]
            if not reason:
                errors[f"conf-reason-{name}"] = _(
                    "Begrunn hvorfor «%(field)s» er en forretningshemmelighet.",
                    field=CONFIDENTIAL_FIELD_LABELS[name])
            marked[name] = reason
    return None if any(k.startswith("conf-") for k in errors) else marked


def _save_uploads(application: Application, form: ApplicationForm, errors: dict) -> int:
    saved = 0
    total = sum(a.size for a in application.attachments)
    files = [file for file in form.files.data or [] if file and file.filename]
    if files:
        try:
            check_attachments_allowed(application)
        except ApplicationError as exc:
            errors.setdefault("files", []).append(str(exc))
            return saved
    for file in files:
        if not file or not file.filename:
            continue
        try:
            stored = store(file, upload_folder(), current_app.config["UPLOAD_MAX_FILE"])
        except UploadRefused as exc:
            errors.setdefault("files", []).append(str(exc))
            continue
        if total + stored.size > current_app.config["UPLOAD_MAX_TOTAL"]:
            remove_stored(upload_folder(), stored.stored_name)
            errors.setdefault("files", []).append(_(
                "«%(name)s» ble ikke lagt ved: vedleggene kan til sammen være høyst %(mb)s MB.",
                name=stored.filename,
                mb=current_app.config["UPLOAD_MAX_TOTAL"] // (1024 * 1024)))
            continue
        total += stored.size
        attachment = Attachment(filename=stored.filename, stored_name=stored.stored_name,
                                content_type=stored.content_type, size=stored.size,
                                sha256=stored.sha256, uploaded_by_id=current_user.id)
        application.attachments.append(attachment)
        record("application.attachment_added", application, filename=stored.filename,
               sha256=stored.sha256)
        saved += 1
    return saved


def _save_posted(application: Application, form: ApplicationForm, uploads: bool) -> dict:
    """Save every part of the posted form that is valid; return the errors of the rest."""
    form.validate()
    errors: dict = {}
    strategies, measures = _posted_plan_fit(application)
    confidential = _posted_confidential(errors)
    version = int(form.version.data) if (form.version.data or "").isdigit() else None
    save_draft(application, current_user._get_current_object(), version,
               fields=_scalar_values(form), strategies=strategies, measures=measures,
               cost_lines=_rows(form.cost_lines, _cost_row),
               financing_lines=_rows(form.financing_lines, _financing_row),
               aid=_rows(form.aid, _aid_row), sdgs=_posted_sdgs(), confidential=confidential)
    if uploads:
        _save_uploads(application, form, errors)
    return errors


BUDGET_FIELDS = {"amount_applied", "financing", "costs", "aid"}


def _history(application: Application) -> list[AuditEvent]:
    return db.session.execute(
        select(AuditEvent).where(AuditEvent.object_type == "applications",
                                 AuditEvent.object_id == application.id,
                                 AuditEvent.action.in_(HISTORY_ACTIONS))
        .order_by(AuditEvent.id)).scalars().all()


def _render_edit(application, form, errors=None, stale=None, status=200):
    budget_problems = [p for p in problems_for(application) if p.field in BUDGET_FIELDS
                       and (p.rule or p.field == "financing")]
    return render_template(
        "applications/edit.html", application=application, form=form, errors=errors or {},
        stale=stale, SDG_LABELS=SDG_LABELS, max_strategies=MAX_STRATEGIES,
        CONFIDENTIAL_FIELD_LABELS=CONFIDENTIAL_FIELD_LABELS,
        chosen_measures=_chosen_measures(application, form),
        chosen_strategies=_chosen_strategy_ids(application, form),
        chosen_sdgs=_chosen_sdgs(application, form),
        confidential=_confidential_state(application, form), budget_problems=budget_problems,
        history=_history(application), HISTORY_ACTIONS=HISTORY_ACTIONS), status


def _posted() -> bool:
    return request.method == "POST"


def _chosen_measures(application, form) -> dict[int, str]:
    if _posted():
        return _posted_plan_fit(application)[1]
    return {m.measure_id: m.how for m in application.measures}


def _chosen_strategy_ids(application, form) -> set[int]:
    if _posted():
        return {s.id for s in _posted_plan_fit(application)[0]}
    return {s.id for s in application.strategies}


def _chosen_sdgs(application, form) -> set[int]:
    return _posted_sdgs() if _posted() else set(application.sdgs)


def _confidential_state(application, form) -> dict[str, str]:
    if _posted():
        return {name: request.form.get(f"conf-reason-{name}", "")
                for name in CONFIDENTIAL_FIELD_LABELS if request.form.get(f"conf-{name}")}
    return {c.field: c.reason for c in application.confidential}


@bp.route("/soknader/<int:application_id>", methods=["GET", "POST"])
@login_required
def edit(application_id):
    application = _load(application_id)
    if request.method == "POST" and not is_applicant_for(current_user, application):
        abort(403)
    if not can_edit(current_user, application):
        if request.method == "POST":
            flash(_("Søknaden er sendt inn og kan ikke endres."), "warning")
            return redirect(url_for("applications.edit", application_id=application.id))
        return show(application)
    extra = int_arg("rader", BLANK_ROWS, minimum=0, maximum=20)
    if request.method == "GET":
        form = ApplicationForm(formdata=None)
        _populate(form, application, extra)
        return _render_edit(application, form)[0]
    form = ApplicationForm()
    try:
        errors = _save_posted(application, form, uploads=True)
        db.session.commit()
    except (StaleApplication, StaleDataError) as exc:
        db.session.rollback()
        return _render_edit(_load(application_id), form, stale=_stale_message(exc), status=409)
    if form.errors or errors:
        flash(_("Det du skrev er lagret, bortsett fra feltene som er merket."), "warning")
        form.version.data = str(application.version)
        return _render_edit(application, form, errors)
    flash(_("Utkastet er lagret %(time)s.", time=format_datetime(application.updated_at)),
          "success")
    if request.form.get("next") == "submit":
        return redirect(url_for("applications.confirm_submit", application_id=application.id))
    rows = BLANK_ROWS + 3 if request.form.get("more_rows") else None
    return redirect(url_for("applications.edit", application_id=application.id, rader=rows,
                            _anchor=request.form.get("section") or None))


def _stale_message(exc: Exception) -> str:
    """Someone saved first: the version check, or (a save at the same instant) the
    database's own."""
    if isinstance(exc, StaleApplication):
        return str(exc)
    return _("Noen lagret søknaden i samme øyeblikk. Endringene dine er ikke lagret, men står "
             "fortsatt i skjemaet under.")


@bp.route("/soknader/<int:application_id>/autolagre", methods=["POST"])
@login_required
def autosave(application_id):
    application = _load(application_id)
    if not is_applicant_for(current_user, application):
        abort(403)
    if not can_edit(current_user, application):
        return jsonify(ok=False, message=_("Søknaden er sendt inn og kan ikke endres.")), 409
    form = ApplicationForm()
    try:
        errors = _save_posted(application, form, uploads=False)
        db.session.commit()
    except (StaleApplication, StaleDataError) as exc:
        db.session.rollback()
        return jsonify(ok=False, stale=True, message=_stale_message(exc)), 409
    return jsonify(ok=True, version=application.version,
                   message=_("Lagret %(time)s", time=format_datetime(application.updated_at)),
                   errors=bool(form.errors or errors))


@bp.route("/soknader/<int:application_id>/slett", methods=["POST"])
@login_required
def delete(application_id):
    application = _load(application_id)
    if not is_applicant_for(current_user, application):
        abort(404)
    if not can_delete(current_user, application):
        flash(_("Bare utkast som aldri er sendt inn kan slettes."), "warning")
        return redirect(url_for("applications.edit", application_id=application.id))
    if not ConfirmForm().validate_on_submit():
        abort(400)
    for attachment in application.attachments:
        remove_stored(upload_folder(), attachment.stored_name)
    delete_draft(application, current_user._get_current_object())
    db.session.commit()
    flash(_("Utkastet er slettet."), "success")
    return redirect(url_for("applications.dashboard"))


# Attachments ---------------------------------------------------------------------------------

def _attachment(application: Application, attachment_id: int) -> Attachment:
    attachment = next((a for a in application.attachments if a.id == attachment_id), None)
    if attachment is None:
        abort(404)
    return attachment


@bp.route("/soknader/<int:application_id>/vedlegg/<int:attachment_id>")
@writes  # the download is logged
@login_required
def attachment(application_id, attachment_id):
    application = _load(application_id)
    item = _attachment(application, attachment_id)
    try:
        path = open_stored(upload_folder(), item.stored_name)
    except FileNotFoundError:
        abort(404)
    if not path.exists():
        abort(404)
    record("application.attachment_read", application, attachment=item.id)
    db.session.commit()
    return send_file(path, mimetype=item.content_type, as_attachment=True,
                     download_name=download_name(item.filename, item.content_type), max_age=0)


@bp.route("/soknader/<int:application_id>/vedlegg/<int:attachment_id>/slett", methods=["POST"])
@login_required
def delete_attachment(application_id, attachment_id):
    application = _load(application_id)
    item = _attachment(application, attachment_id)
    if not is_applicant_for(current_user, application):
        abort(404)
    if not can_edit(current_user, application):
        abort(403)
    if ConfirmForm().validate_on_submit():
        application.attachments.remove(item)
        remove_stored(upload_folder(), item.stored_name)
        record("application.attachment_removed", application, filename=item.filename)
        db.session.commit()
        flash(_("«%(name)s» er fjernet.", name=item.filename), "success")
    return redirect(url_for("applications.edit", application_id=application.id,
                            _anchor="vedlegg"))


# Submitting ----------------------------------------------------------------------------------

@bp.route("/soknader/<int:application_id>/send-inn", methods=["GET", "POST"])
@login_required
def confirm_submit(application_id):
    application = _load(application_id)
    if not is_applicant_for(current_user, application):
        abort(404)
    if application.state not in (ApplicationState.DRAFT, ApplicationState.INFO_REQUESTED):
        # a second click, or a stale tab: the first submission stands
        return redirect(url_for("applications.receipt", application_id=application.id))
    form = SubmitForm()
    late = application.open_info_request is None and utcnow() >= application.call.closes_at
    if form.validate_on_submit():
        if form.version.data != str(application.version):
            flash(_("Søknaden er endret siden du åpnet denne siden. Se over sjekklisten og "
                    "send inn på nytt."), "warning")
            return redirect(url_for("applications.confirm_submit",
                                    application_id=application.id))
        try:
            submission = submit(application, current_user._get_current_object())
            db.session.commit()
        except (LateSubmission, NotReady, ApplicationError) as exc:
            db.session.rollback()
            application = _load(application_id)
            flash(str(exc), "danger")
        except StaleDataError:  # submitted by a simultaneous click
            db.session.rollback()
            return redirect(url_for("applications.receipt", application_id=application_id))
        else:
            flash(_("Søknaden er sendt inn. Saksnummeret er %(case)s.",
                    case=application.case_number) if submission.number == 1 else
                  _("Opplysningene er sendt inn."), "success")
            return redirect(url_for("applications.receipt", application_id=application.id))
    form.version.data = str(application.version)
    return render_template("applications/submit.html", application=application, form=form,
                           problems=problems_for(application), late=late)


@bp.route("/soknader/<int:application_id>/kvittering")
@login_required
def receipt(application_id):
    application = _load(application_id)
    if not application.submissions:
        return redirect(url_for("applications.edit", application_id=application.id))
    return render_template("applications/receipt.html", application=application,
                           submission=application.submissions[-1])


@bp.route("/soknader/<int:application_id>/kvittering.pdf")
@login_required
def receipt_pdf_view(application_id):
    from fund.applications.receipt import receipt_pdf
    application = _load(application_id)
    if not application.submissions:
        abort(404)
    number = int_arg("innsending")
    submission = next((s for s in application.submissions if s.number == number),
                      application.submissions[-1])
    pdf = receipt_pdf(application, submission)
    response = current_app.response_class(pdf, mimetype="application/pdf")
    response.headers["Content-Disposition"] = \
        f'inline; filename="kvittering-{application.case_number}-{submission.number}.pdf"'
    return response


@bp.route("/soknader/<int:application_id>/trekk", methods=["POST"])
@login_required
def withdraw_view(application_id):
    application = _load(application_id)
    if not is_applicant_for(current_user, application):
        abort(404)
    if not can_withdraw(current_user, application):
        flash(_("Behandlingen av utlysningen er avsluttet, og søknaden kan ikke lenger trekkes.")
              if application.call.review_closed else _("Søknaden kan ikke trekkes nå."),
              "warning")
    elif ConfirmForm().validate_on_submit():
        withdraw(application, current_user._get_current_object())
        db.session.commit()
        flash(_("Søknaden er trukket. Du får en bekreftelse på e-post."), "success")
    return redirect(url_for("applications.edit", application_id=application.id))


# Read-only view ------------------------------------------------------------------------------

def show(application: Application):
    return render_template(
        "applications/show.html", application=application, history=_history(application),
        HISTORY_ACTIONS=HISTORY_ACTIONS, STATE_LABELS=STATE_LABELS, SDG_LABELS=SDG_LABELS,
        CONFIDENTIAL_FIELD_LABELS=CONFIDENTIAL_FIELD_LABELS,
        snapshot=application.submissions[-1].snapshot if application.submissions else None,
        confirm_form=ConfirmForm(), can_withdraw=can_withdraw(current_user, application))


HISTORY_ACTIONS = {
    "application.created": _l("Utkast opprettet"),
    "application.submitted": _l("Sendt inn"),
    "application.info_requested": _l("Saksbehandler ba om flere opplysninger"),
    "application.withdrawn": _l("Trukket av søker"),
}

