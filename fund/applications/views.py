"""The applicant's pages: the overview, the draft form, attachments, submission, receipt."""

from flask import (
    Blueprint,
    abort,
    flash,
    g,
    jsonify,
    redirect,
    render_template,
    request,
    send_file,
    url_for,
)
from flask_babel import gettext as _
from flask_login import current_user, login_required
from sqlalchemy.orm.exc import StaleDataError
from wtforms.fields.choices import SelectChoice

from fund.applications import queries
from fund.applications.exemptions import requested_items
from fund.applications.forms import (
    ApplicationForm,
    ConfirmForm,
    StartForm,
    SubmitForm,
    WithdrawForm,
)
from fund.applications.labels import (
    HISTORY_ACTIONS,
    RULE_CONSEQUENCES,
    SDG_LABELS,
    STATE_COLOURS,
    STATE_LABELS,
    TEXT_FIELD_LABELS,
)
from fund.applications.models import Application, Attachment
from fund.applications.operations import (
    ReplyMissing,
    StaleApplication,
    add_attachments,
    delete_draft,
    eligibility_problems,
    expire_info_requests,
    missing_for,
    problems_for,
    read_attachment,
    remove_attachment,
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
)
from fund.applications.rules import MAX_STRATEGIES, SUMMARY_MAX
from fund.applications.uploads import download_name
from fund.calls.models import Call
from fund.core.formatting import format_datetime
from fund.core.http import arrived_at, commit, int_arg, require, writes
from fund.core.pdf import pdf_response
from fund.core.translations import translated
from fund.core.types import utcnow
from fund.extensions import db

bp = Blueprint("applications", __name__)

#: Blank rows offered for new budget and aid lines (more with "add rows").
BLANK_ROWS = 2
#: Checklist problems shown in the budget section.
BUDGET_FIELDS = {"amount_applied", "financing", "costs", "aid"}


def _load(application_id: int, plan: bool = False) -> Application:
    """The user's application with what its pages read; ``plan`` for the form, which
    offers the call's whole plan."""
    application = queries.application_for_edit(application_id, plan=plan)
    if application is None or not can_view(current_user, application):
        abort(404)  # another applicant's application does not exist for you
    return application


def _user():
    return current_user._get_current_object()


def _expire_if_overdue(application: Application) -> Application:
    """An open information request whose last day has passed expires now, not at the next
    cron run: the applicant sees the application as received, and cannot answer late."""
    request_ = application.open_info_request
    if request_ is None or not request_.is_overdue(utcnow()):
        return application
    db.session.rollback()
    g.writes = True  # SQLite: the transaction that expires it takes the write lock at once
    commit(expire_info_requests, utcnow(), application.id)
    return _load(application.id)


# The applicant's overview ---------------------------------------------------------------------

@bp.route("/soknader")
@login_required
def dashboard():
    require(can_start(current_user))
    raw = request.args.get("side", "")
    page = int(raw) if raw.isdigit() and 0 < len(raw) <= 6 else 1
    overview = queries.dashboard(current_user, page=page)
    return render_template("applications/dashboard.html", overview=overview,
                           organisations=overview.organisations, by_org=overview.by_organisation,
                           open_calls=overview.open_calls, now=overview.now,
                           STATE_LABELS=translated(STATE_LABELS),
                           STATE_COLOURS=STATE_COLOURS, start_form=StartForm())


@bp.route("/utlysninger/<int:call_id>/soknad", methods=["GET", "POST"])
@login_required
def start(call_id):
    require(can_start(current_user))
    call = db.session.get(Call, call_id)
    if call is None or call.is_draft:  # an unpublished call does not exist to applicants
        abort(404)
    organisations = queries.organisations_of(current_user)
    if not organisations:
        flash(_("Registrer organisasjonen du søker for først."), "info")
        return redirect(url_for("auth.new_organisation"))
    form = StartForm()
    form.organisation.choices = [SelectChoice(str(o.id), f"{o.name} ({o.orgnr_display})")
                                 for o in organisations]
    if form.validate_on_submit():
        organisation = next(o for o in organisations if str(o.id) == form.organisation.data)
        started = commit(start_application, call, organisation, _user(), success=_(
            "Utkastet er opprettet. Alt du skriver lagres som utkast til du sender inn."))
        if not started:
            return redirect(url_for("calls.call", call_id=call.id))
        return redirect(url_for("applications.edit", application_id=started.value.id))
    return render_template("applications/start.html", call=call, form=form)


# Editing -------------------------------------------------------------------------------------

def _save_posted(application: Application, form: ApplicationForm,
                 uploads: bool) -> list[str]:
    """Save every part of the posted form that is valid, and the files; return the
    messages for files that were refused."""
    form.validate()
    save_draft(application, _user(), form.version_number(), **form.changes())
    if not uploads:
        return []
    return add_attachments(application, form.files.data, _user())[1]


def _render_edit(application, form, file_errors=None, stale=None, status=200):
    budget_problems = [p for p in problems_for(application) if p.field in BUDGET_FIELDS
                       and (p.rule or p.field == "financing")]
    errors = form.part_errors() | ({"files": file_errors} if file_errors else {})
    return render_template(
        "applications/edit.html", application=application, form=form, errors=errors,
        stale=stale, SDG_LABELS=SDG_LABELS, max_strategies=MAX_STRATEGIES, summary_max=SUMMARY_MAX,
        TEXT_FIELD_LABELS=TEXT_FIELD_LABELS, plan_fit=form.plan_fit,
        secrets=form.secrets, budget_problems=budget_problems,
        history=queries.history(application), HISTORY_ACTIONS=HISTORY_ACTIONS), status


def _stale_message(exc: Exception) -> str:
    """Someone saved first: the version check, or (a save at the same instant) the
    database's own."""
    if isinstance(exc, StaleApplication):
        return str(exc)
    return _("Noen lagret søknaden i samme øyeblikk. Endringene dine er ikke lagret, men står "
             "fortsatt i skjemaet under.")


@bp.route("/soknader/<int:application_id>", methods=["GET", "POST"])
@login_required
def edit(application_id):
    application = _expire_if_overdue(_load(application_id, plan=True))
    if not can_edit(current_user, application):
        if request.method == "POST":
            flash(_("Søknaden er sendt inn og kan ikke endres."), "warning")
            return redirect(url_for("applications.edit", application_id=application.id))
        return show(application)
    if request.method == "GET":
        form = ApplicationForm.for_application(
            application, posted=False, extra_rows=int_arg("rader", BLANK_ROWS, minimum=0,
                                                          maximum=20))
        return _render_edit(application, form)[0]
    form = ApplicationForm.for_application(application, posted=True)
    try:
        file_errors = _save_posted(application, form, uploads=True)
        db.session.commit()
    except (StaleApplication, StaleDataError) as exc:
        db.session.rollback()
        return _render_edit(_load(application_id, plan=True), form, stale=_stale_message(exc),
                            status=409)
    if form.has_errors() or file_errors:
        flash(_("Det du skrev er lagret, bortsett fra feltene som er merket."), "warning")
        form.version.data = str(application.version)
        return _render_edit(application, form, file_errors)
    flash(_("Utkastet er lagret %(time)s.", time=format_datetime(application.updated_at)),
          "success")
    if request.form.get("next") == "submit":
        return redirect(url_for("applications.confirm_submit", application_id=application.id))
    rows = BLANK_ROWS + 3 if request.form.get("more_rows") else None
    return redirect(url_for("applications.edit", application_id=application.id, rader=rows,
                            _anchor=request.form.get("section") or None))


@bp.route("/soknader/<int:application_id>/autolagre", methods=["POST"])
@login_required
def autosave(application_id):
    application = _expire_if_overdue(_load(application_id, plan=True))
    if not can_edit(current_user, application):
        return jsonify(ok=False, message=_("Søknaden er sendt inn og kan ikke endres.")), 409
    form = ApplicationForm.for_application(application, posted=True)
    try:
        _save_posted(application, form, uploads=False)
        db.session.commit()
    except (StaleApplication, StaleDataError) as exc:
        db.session.rollback()
        return jsonify(ok=False, stale=True, message=_stale_message(exc)), 409
    return jsonify(ok=True, version=application.version,
                   message=_("Lagret %(time)s", time=format_datetime(application.updated_at)),
                   errors=form.has_errors())


@bp.route("/soknader/<int:application_id>/slett", methods=["GET", "POST"])
@login_required
def delete(application_id):
    """A confirmation page first: the draft and its attachments are gone for good."""
    application = _load(application_id)
    if not can_delete(current_user, application):
        flash(_("Bare utkast som aldri er sendt inn kan slettes."), "warning")
        return redirect(url_for("applications.edit", application_id=application.id))
    form = ConfirmForm()
    if request.method == "GET":
        return render_template("applications/delete.html", application=application, form=form)
    if not form.validate_on_submit():
        abort(400)
    if commit(delete_draft, application, _user(), success=_("Utkastet er slettet.")):
        return redirect(url_for("applications.dashboard"))
    return redirect(url_for("applications.edit", application_id=application_id))


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
        path = read_attachment(application, item, _user())
    except FileNotFoundError:
        abort(404)
    db.session.commit()
    return send_file(path, mimetype=item.content_type, as_attachment=True,
                     download_name=download_name(item.filename, item.content_type), max_age=0)


@bp.route("/soknader/<int:application_id>/vedlegg/<int:attachment_id>/slett", methods=["POST"])
@login_required
def delete_attachment(application_id, attachment_id):
    application = _load(application_id)
    item = _attachment(application, attachment_id)
    if not can_edit(current_user, application):
        abort(403)
    if ConfirmForm().validate_on_submit():
        commit(remove_attachment, application, item, _user(),
               success=_("«%(name)s» er fjernet.", name=item.filename))
    return redirect(url_for("applications.edit", application_id=application_id,
                            _anchor="vedlegg"))


# Submitting ----------------------------------------------------------------------------------

def _submitted_message(application_id: int):
    """The flash after a submission, read back from what was committed (one small read)."""
    def message(_submission) -> str:
        case_number, submissions = queries.submitted_as(application_id)
        if submissions == 1:
            return _("Søknaden er sendt inn. Søknadsnummeret er %(case)s.", case=case_number)
        return _("Opplysningene er sendt inn.")
    return message


def _reply_error(form):
    """Where a refusal of the submission is shown: a missing reply on its field."""
    return lambda exc: form.reply if isinstance(exc, ReplyMissing) else None


@bp.route("/soknader/<int:application_id>/send-inn", methods=["GET", "POST"])
@login_required
def confirm_submit(application_id):
    application = _expire_if_overdue(_load(application_id))
    if not application.is_editable:
        # a second click, a stale tab, or a request whose time ran out: what was sent stands
        return redirect(url_for("applications.receipt", application_id=application.id))
    form = SubmitForm()
    if form.validate_on_submit():
        if form.version.data != str(application.version):
            flash(_("Søknaden er endret siden du åpnet denne siden. Se over sjekklisten og "
                    "send inn på nytt."), "warning")
            return redirect(url_for("applications.confirm_submit",
                                    application_id=application.id))
        try:
            submitted = commit(submit, application, _user(), form.reply.data,
                               arrived_at(utcnow()), into=_reply_error(form),
                               success=_submitted_message(application_id))
        except StaleDataError:  # submitted by a simultaneous click
            db.session.rollback()
            return redirect(url_for("applications.receipt", application_id=application_id))
        if submitted:
            return redirect(url_for("applications.receipt", application_id=application_id))
        application = _load(application_id)
    form.version.data = str(application.version)
    return render_template("applications/submit.html", application=application, form=form,
                           problems=missing_for(application),
                           warnings=eligibility_problems(application),
                           RULE_CONSEQUENCES=RULE_CONSEQUENCES,
                           answering=application.open_info_request,
                           late=application.is_late(utcnow()))


@bp.route("/soknader/<int:application_id>/kvittering")
@login_required
def receipt(application_id):
    found = queries.application_for_receipt(application_id)
    if found is None or not can_view(current_user, found[0]):
        abort(404)
    application, submission = found
    if submission is None:
        return redirect(url_for("applications.edit", application_id=application.id))
    return render_template("applications/receipt.html", application=application,
                           submission=submission, RULE_CONSEQUENCES=RULE_CONSEQUENCES)


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
    return pdf_response(receipt_pdf(application, submission),
                        f"kvittering-{application.case_number}-{submission.number}.pdf")


@bp.route("/soknader/<int:application_id>/trekk", methods=["GET", "POST"])
@login_required
def withdraw_view(application_id):
    """A confirmation page that asks why; the POST withdraws with that reason."""
    application = _load(application_id)
    if not can_withdraw(current_user, application):
        flash(_("Behandlingen av utlysningen er avsluttet, og søknaden kan ikke lenger trekkes.")
              if application.call.review_closed else _("Søknaden kan ikke trekkes nå."),
              "warning")
        return redirect(url_for("applications.edit", application_id=application.id))
    form = WithdrawForm()
    if form.validate_on_submit():
        if commit(withdraw, application, _user(), form.reason.data, into=form,
                  success=_("Søknaden er trukket. Du får en bekreftelse på e-post.")):
            return redirect(url_for("applications.edit", application_id=application.id))
        application = _load(application_id)
    return render_template("applications/withdraw.html", application=application, form=form)


# Read-only view ------------------------------------------------------------------------------

def show(application: Application):
    return render_template(
        "applications/show.html", application=application,
        history=queries.history(application), HISTORY_ACTIONS=HISTORY_ACTIONS,
        STATE_LABELS=STATE_LABELS, SDG_LABELS=SDG_LABELS,
        TEXT_FIELD_LABELS=TEXT_FIELD_LABELS,
        snapshot=application.submissions[-1].snapshot if application.submissions else None,
        requested=requested_items(application),
        confirm_form=ConfirmForm(), can_withdraw=can_withdraw(current_user, application))
