from datetime import UTC, datetime

from flask import (
    Blueprint,
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required, login_user, logout_user
from stdnum.no import kontonr

from fund.auth import brreg, queries
from fund.auth import operations as accounts
from fund.auth.forms import (
    BankAccountDecisionForm,
    ClaimDecisionForm,
    ClaimForm,
    EmailForm,
    InviteForm,
    LoginForm,
    NewPasswordForm,
    OrganisationForm,
    RegisterForm,
    RoleCheckForm,
    UnverifyForm,
    UserAdminForm,
    VerifyForm,
)
from fund.auth.models import Invitation, Organisation, User
from fund.auth.operations import (
    AccountError,
    AlreadyRegistered,
    BankChange,
    LoginBlocked,
    MailLimited,
    RoleCheckBlocked,
    accept_invitation,
    confirm_register_role,
    create_organisation,
    decide_bank_account,
    decide_claim,
    decline_invitation,
    invite,
    log_in,
    log_out,
    make_claim,
    make_responsible,
    read_token,
    register_user,
    remove_member,
    request_password_reset,
    set_locale,
    set_password,
    unverify_organisation,
    update_organisation,
    update_user,
    verify_email_token,
    verify_organisation,
    withdraw_invitation,
)
from fund.auth.permissions import (
    can_administer,
    can_answer_invitation,
    can_edit_organisation,
    can_verify_organisation,
    can_view_organisation,
    is_member,
    is_responsible,
)
from fund.core.forms import clean_text
from fund.core.http import commit, flash_errors, int_arg, is_safe_next, require, writes
from fund.core.roles import Role
from fund.extensions import db

bp = Blueprint("auth", __name__)


def _actor() -> User:
    return current_user._get_current_object()


def _status(outcome) -> int:
    """429 when the refusal was a limit on attempts."""
    return 429 if isinstance(outcome.error, (MailLimited, LoginBlocked, RoleCheckBlocked)) \
        else 200


@bp.route("/registrer", methods=["GET", "POST"])
def register():
    if current_user.is_authenticated:
        return redirect(url_for("calls.index"))
    form = RegisterForm()
    status = 200
    if form.validate_on_submit():
        outcome = commit(register_user, form.email.data, form.name.data, form.password.data,
                         form.phone.data, request.remote_addr, str(get_locale()), into=form,
                         keep=(MailLimited,))  # the attempt counts
        if outcome:
            return render_template("auth/check_email.html", email=form.email.data.strip().lower())
        status = _status(outcome)
    return render_template("auth/register.html", form=form), status


@bp.route("/bekreft-epost/<token>", endpoint="verify_email")
@writes
def verify_email_view(token):
    if commit(verify_email_token, token,
              success=_("E-postadressen er bekreftet. Du kan nå logge inn.")):
        return redirect(url_for("auth.login"))
    return redirect(url_for("auth.resend_verification"))


def _mail_form(template: str, operation, message: str):
    """A form that asks for an address and sends mail there (or says nothing)."""
    form = EmailForm()
    if form.validate_on_submit():
        outcome = commit(operation, form.email.data, request.remote_addr, into=form,
                         keep=(MailLimited,), success=message, category="info")
        if outcome:
            return redirect(url_for("auth.login"))
        return render_template(template, form=form), _status(outcome)
    return render_template(template, form=form)


@bp.route("/send-bekreftelse", methods=["GET", "POST"])
def resend_verification():
    return _mail_form("auth/resend.html", accounts.resend_verification, _(
        "Hvis det finnes en ubekreftet konto med denne adressen, har vi sendt en ny lenke."))


@bp.route("/logg-inn", methods=["GET", "POST"])
def login():
    if current_user.is_authenticated:
        return redirect(url_for("calls.index"))
    form = LoginForm()
    status = 200
    if form.validate_on_submit():
        outcome = commit(log_in, form.email.data, form.password.data, request.remote_addr,
                         session.get("lang"), into=form,
                         keep=(AccountError,))  # a failed attempt counts
        if outcome:
            user, token = outcome.value
            lang = session.get("lang")  # a language chosen before logging in is kept
            session.clear()  # a fresh session on login (no fixation)
            session["sid"] = token
            login_user(user)
            session.permanent = True
            if user.locale or lang:
                session["lang"] = user.locale or lang
            target = request.args.get("next")
            return redirect(target if is_safe_next(target) else url_for(_start_page(user)))
        status = _status(outcome)
    return render_template("auth/login.html", form=form), status


#: Where each role starts after logging in without a ``next``: its main page. The other
#: domains' pages are named by endpoint only (auth is below them).
START_PAGES = {
    Role.CASEWORKER: "review.received",
    Role.MANAGER: "calls.manage",
    Role.ADMIN: "auth.users",
}


def _start_page(user: User) -> str:
    return START_PAGES.get(user.role, "auth.my_page")


@bp.route("/logg-ut", methods=["POST"])
def logout():
    user = _actor() if current_user.is_authenticated else None
    commit(log_out, user, session.get("sid"))
    lang = session.get("lang")
    logout_user()
    session.clear()
    if lang:
        session["lang"] = lang
    flash(_("Du er logget ut."), "info")
    return redirect(url_for("calls.index"))


@bp.route("/glemt-passord", methods=["GET", "POST"])
def forgot_password():
    return _mail_form("auth/forgot.html", request_password_reset, _(
        "Hvis det finnes en konto med denne adressen, har vi sendt en lenke for å velge nytt "
        "passord. Lenken virker i én time."))


@bp.route("/nytt-passord/<token>", methods=["GET", "POST"])
def reset_password(token):
    try:
        user = read_token(token, "reset")
    except AccountError as exc:
        flash(str(exc), "danger")
        return redirect(url_for("auth.forgot_password"))
    form = NewPasswordForm()
    form.user_inputs = [user.email, user.name]
    if form.validate_on_submit() and commit(
            set_password, user, form.password.data,
            success=_("Passordet er endret. Logg inn med det nye passordet.")):
        return redirect(url_for("auth.login"))
    return render_template("auth/reset.html", form=form)


@bp.route("/min-side")
@login_required
def my_page():
    applicant = current_user.role == Role.APPLICANT
    return render_template(
        "auth/my_page.html", organisations=queries.organisations_of(current_user),
        invitations=queries.invitations_for(current_user) if applicant else [],
        claims=queries.open_claims_by(current_user) if applicant else [])


# Organisations ---------------------------------------------------------------

#: Enhetsregisteret's roles that may confirm, as the member is told.
ROLE_NAMES = {"DAGL": _l("daglig leder"), "LEDE": _l("styrets leder"),
              "SIGN": _l("signaturrett"), "PROK": _l("prokura")}


def _organisation_or_404(organisation_id: int, check=can_view_organisation) -> Organisation:
    organisation = queries.organisation_for_page(organisation_id)
    if organisation is None or not check(current_user, organisation):
        abort(404)  # another party's organisation is not even acknowledged
    return organisation


def _back_to(organisation: Organisation, anchor: str | None = None):
    return redirect(url_for("auth.organisation", organisation_id=organisation.id,
                            _anchor=anchor))


def _fill_from_register(form: OrganisationForm) -> None:
    """Fill the form from Enhetsregisteret; the form works the same when it cannot."""
    if not form.orgnr.validate(form):
        return
    try:
        entry = brreg.lookup(form.orgnr.data)
    except brreg.RegisterUnavailable:
        flash(_("Enhetsregisteret svarer ikke akkurat nå. Fyll ut opplysningene selv."),
              "warning")
        return
    if entry is None:
        form.orgnr.errors.append(_("Fant ikke organisasjonsnummeret i Enhetsregisteret."))
        return
    form.fill_from(entry)
    session["register_entry"] = {"orgnr": entry.orgnr, "bankrupt": entry.bankrupt,
                                 "under_liquidation": entry.under_liquidation,
                                 "at": datetime.now(UTC).isoformat()}
    message = _("Opplysningene er hentet fra Enhetsregisteret. Sjekk dem og lagre.")
    if entry.bankrupt or entry.under_liquidation:
        message += " " + _("Merk: Enhetsregisteret oppgir at organisasjonen er konkurs eller "
                           "under avvikling.")
    flash(message, "info")


def _register_flags(orgnr: str) -> dict:
    entry = session.pop("register_entry", None)
    if not entry or entry.get("orgnr") != orgnr:
        return {}
    return {"bankrupt": entry["bankrupt"], "under_liquidation": entry["under_liquidation"],
            "register_checked_at": datetime.fromisoformat(entry["at"])}


@bp.route("/organisasjoner/ny", methods=["GET", "POST"])
@login_required
def new_organisation():
    require(current_user.role == Role.APPLICANT)
    form = OrganisationForm()
    register_enabled = current_app.config["BRREG_ENABLED"]
    if form.is_submitted() and form.lookup.data:
        if register_enabled:
            _fill_from_register(form)
        return render_template("auth/organisation_form.html", form=form, organisation=None,
                               register_enabled=register_enabled)
    claim_orgnr = None
    if form.validate_on_submit():
        created = commit(create_organisation, form.orgnr.data, _actor(),
                         into=form.orgnr, success=_("Organisasjonen er registrert."),
                         **form.details() | _register_flags(form.orgnr.data))
        if created:  # the page then shows the next step: the open calls
            return redirect(url_for("auth.organisation", organisation_id=created.value.id,
                                    ny=1))
        if isinstance(created.error, AlreadyRegistered):
            claim_orgnr = form.orgnr.data
    return render_template("auth/organisation_form.html", form=form, organisation=None,
                           register_enabled=register_enabled, claim_orgnr=claim_orgnr)


@bp.route("/organisasjoner/<int:organisation_id>")
@login_required
def organisation(organisation_id):
    organisation = _organisation_or_404(organisation_id)
    member = is_member(current_user, organisation)
    claims = queries.open_claims_on(organisation)
    return render_template(
        "auth/organisation.html", organisation=organisation, member=member,
        just_registered=member and request.args.get("ny") == "1"
        and current_user.role == Role.APPLICANT,
        staff=can_verify_organisation(current_user),
        responsible=is_responsible(current_user, organisation),
        can_edit=can_edit_organisation(current_user, organisation),
        register_enabled=current_app.config["BRREG_ENABLED"],
        invitations=queries.open_invitations_of(organisation) if member else [],
        claims=claims, invite_form=InviteForm(),
        verify_form=VerifyForm(prefix="verify"),
        unverify_form=UnverifyForm(prefix="unverify"),
        bank_form=BankAccountDecisionForm(prefix="bank"),
        pending_valid=kontonr.is_valid(organisation.pending_bank_account or ""),
        claim_forms={c.id: ClaimDecisionForm(prefix=f"claim-{c.id}") for c in claims})


#: What the members are told after a change of the bank account.
BANK_CHANGE_MESSAGES = {
    BankChange.PENDING: _l("Det nye kontonummeret tas i bruk når kommunen har godkjent det, "
                           "fordi organisasjonen har fått tilskudd. Alle medlemmene har fått "
                           "beskjed på e-post."),
    BankChange.CHANGED: _l("Kontonummeret er endret. Alle medlemmene har fått beskjed på "
                           "e-post."),
}


@bp.route("/organisasjoner/<int:organisation_id>/rediger", methods=["GET", "POST"])
@login_required
def edit_organisation(organisation_id):
    organisation = _organisation_or_404(organisation_id, check=can_edit_organisation)
    form = OrganisationForm(obj=organisation)
    register_enabled = current_app.config["BRREG_ENABLED"]
    if request.method == "POST":
        form.orgnr.data = organisation.orgnr  # the org.nr identifies it and does not change
    if form.is_submitted() and form.lookup.data:
        if register_enabled:
            _fill_from_register(form)
    elif form.validate_on_submit():
        changed = commit(update_organisation, organisation, _actor(),
                         into=form.bank_account, success=_("Endringene er lagret."),
                         **form.details() | _register_flags(organisation.orgnr))
        if changed:
            if changed.value in BANK_CHANGE_MESSAGES:
                flash(str(BANK_CHANGE_MESSAGES[changed.value]), "info")
            return _back_to(organisation)
    return render_template("auth/organisation_form.html", form=form, organisation=organisation,
                           register_enabled=register_enabled)


# The right to act: verification, register roles, claims, bank account approval ----------

def _posted(form, operation, *args, **kwargs) -> None:
    """A small posted form on the organisation page: its errors, or the change."""
    if form.validate_on_submit():
        commit(operation, *args, refused_category="warning", **kwargs)
    else:
        flash_errors(form)


@bp.route("/organisasjoner/<int:organisation_id>/verifiser", methods=["POST"])
@login_required
def verify_organisation_view(organisation_id):
    require(can_verify_organisation(current_user))
    organisation = _organisation_or_404(organisation_id)
    form = VerifyForm(prefix="verify")
    _posted(form, verify_organisation, organisation, _actor(), form.note.data,
            success=_("Organisasjonen er verifisert."))
    return _back_to(organisation, "verifisering")


@bp.route("/organisasjoner/<int:organisation_id>/verifisering/fjern", methods=["POST"])
@login_required
def unverify_organisation_view(organisation_id):
    require(can_verify_organisation(current_user))
    organisation = _organisation_or_404(organisation_id)
    form = UnverifyForm(prefix="unverify")
    _posted(form, unverify_organisation, organisation, _actor(), form.note.data,
            success=_("Verifiseringen er fjernet."))
    return _back_to(organisation, "verifisering")


@bp.route("/organisasjoner/<int:organisation_id>/bekreft-rolle", methods=["GET", "POST"])
@login_required
def confirm_role(organisation_id):
    organisation = _organisation_or_404(organisation_id, check=is_member)
    if not current_app.config["BRREG_ENABLED"]:
        flash(_("Oppslag i Enhetsregisteret er ikke slått på. Be kommunen om å verifisere "
                "organisasjonen."), "info")
        return _back_to(organisation, "verifisering")
    if organisation.is_verified:
        flash(_("Organisasjonen er allerede verifisert."), "info")
        return _back_to(organisation, "verifisering")
    form = RoleCheckForm()
    status = 200
    if form.validate_on_submit():
        confirmed = commit(
            confirm_register_role, organisation, _actor(), form.birth_date.data, into=form,
            keep=(AccountError,),  # the attempt counts
            success=lambda holder: _(
                "Organisasjonen er verifisert: du står i Enhetsregisteret med %(role)s.",
                role=ROLE_NAMES.get(holder.role, holder.role)))
        if confirmed:
            return _back_to(organisation, "verifisering")
        status = _status(confirmed)
    return render_template("auth/organisation_role.html", form=form, organisation=organisation,
                           roles=ROLE_NAMES.values()), status


@bp.route("/organisasjoner/krav", methods=["GET", "POST"])
@login_required
def claim():
    require(current_user.role == Role.APPLICANT)
    form = ClaimForm(orgnr=request.args.get("orgnr", "")[:20])
    status = 200
    if form.validate_on_submit():
        claimed = commit(
            make_claim, form.orgnr.data, _actor(), form.reason.data, request.remote_addr,
            keep=(MailLimited,),  # the attempt counts
            into=lambda exc: form if isinstance(exc, MailLimited) else form.orgnr,
            success=_("Kravet er sendt. Kommunen sjekker det og gir deg svar på e-post. "
                      "Medlemmene av organisasjonen har fått beskjed om at noen har gjort "
                      "krav på den, men ikke hvem."))
        if claimed:
            return redirect(url_for("auth.my_page"))
        status = _status(claimed)
    return render_template("auth/organisation_claim.html", form=form), status


@bp.route("/organisasjoner/<int:organisation_id>/krav/<int:claim_id>", methods=["POST"])
@login_required
def decide_claim_view(organisation_id, claim_id):
    require(can_verify_organisation(current_user))
    organisation = _organisation_or_404(organisation_id)
    claim = queries.claim_for_decision(claim_id)
    if claim is None or claim.organisation_id != organisation.id:
        abort(404)
    form = ClaimDecisionForm(prefix=f"claim-{claim.id}")
    if not form.validate_on_submit():
        flash_errors(form)
    elif form.grant.data or form.reject.data:
        commit(decide_claim, claim, bool(form.grant.data), _actor(), form.note.data,
               refused_category="warning",
               success=_("Kravet er innvilget. Den som gjorde krav, er nå eneste medlem, og "
                         "organisasjonen er verifisert.") if form.grant.data
               else _("Kravet er avslått."))
    return _back_to(organisation, "krav")


@bp.route("/organisasjoner/<int:organisation_id>/kontonummer", methods=["POST"])
@login_required
def decide_bank_account_view(organisation_id):
    require(can_verify_organisation(current_user))
    organisation = _organisation_or_404(organisation_id)
    form = BankAccountDecisionForm(prefix="bank")
    if not form.validate_on_submit():
        flash_errors(form)
    elif form.approve.data or form.reject.data:
        commit(decide_bank_account, organisation, bool(form.approve.data), _actor(),
               form.note.data or "", refused_category="warning",
               success=_("Det nye kontonummeret er godkjent.") if form.approve.data
               else _("Det nye kontonummeret er avvist."))
    return _back_to(organisation, "kontonummer")


@bp.route("/organisasjoner/oppfolging")
@login_required
def organisations_to_follow_up():
    """For staff: open claims, bank accounts waiting for approval, unverified organisations."""
    require(can_verify_organisation(current_user))
    page, per_page = int_arg("side", 1), 50
    unverified, total = queries.unverified_organisations(page, per_page)
    return render_template("auth/organisations_follow_up.html", claims=queries.open_claims(),
                           pending=queries.pending_bank_accounts(), unverified=unverified,
                           total=total, page=page, more=page * per_page < total)


# Members and invitations -----------------------------------------------------------------

@bp.route("/organisasjoner/<int:organisation_id>/invitasjoner", methods=["POST"])
@login_required
def invite_view(organisation_id):
    organisation = _organisation_or_404(organisation_id, check=is_member)
    form = InviteForm()
    if form.validate_on_submit():
        email = form.email.data.strip().lower()
        commit(invite, organisation, email, _actor(), request.remote_addr,
               keep=(MailLimited,),  # the attempt counts
               success=_("Invitasjonen er sendt til %(email)s. Når personen logger inn med "
                         "denne adressen, kan hen godta den på «Min side». Invitasjonen "
                         "gjelder i %(days)s dager.", email=email,
                         days=current_app.config["INVITATION_MAX_AGE"].days))
    else:
        flash_errors(form)
    return _back_to(organisation, "medlemmer")


@bp.route("/organisasjoner/<int:organisation_id>/invitasjoner/<int:invitation_id>/trekk",
          methods=["POST"])
@login_required
def withdraw_invitation_view(organisation_id, invitation_id):
    organisation = _organisation_or_404(organisation_id, check=is_member)
    invitation = db.session.get(Invitation, invitation_id)
    if invitation is None or invitation.organisation_id != organisation.id:
        abort(404)
    commit(withdraw_invitation, invitation, _actor(),
           success=_("Invitasjonen til %(email)s er trukket tilbake.", email=invitation.email))
    return _back_to(organisation, "medlemmer")


def _invitation_or_404(invitation_id: int) -> Invitation:
    invitation = queries.invitation_for_answer(invitation_id)
    if invitation is None or not can_answer_invitation(current_user, invitation):
        abort(404)
    return invitation


@bp.route("/invitasjoner/<int:invitation_id>/godta", methods=["POST"])
@login_required
def accept_invitation_view(invitation_id):
    invitation = _invitation_or_404(invitation_id)
    accepted = commit(accept_invitation, invitation, _actor(), refused_category="warning",
                      success=lambda organisation: _(
                          "Du er nå medlem av %(name)s og kan søke for organisasjonen.",
                          name=organisation.name))
    return _back_to(accepted.value) if accepted else redirect(url_for("auth.my_page"))


@bp.route("/invitasjoner/<int:invitation_id>/avsla", methods=["POST"])
@login_required
def decline_invitation_view(invitation_id):
    commit(decline_invitation, _invitation_or_404(invitation_id), _actor(),
           success=_("Du har takket nei til invitasjonen."))
    return redirect(url_for("auth.my_page"))


def _member_or_404(organisation: Organisation, user_id: int) -> User:
    member = next((m.user for m in organisation.memberships if m.user_id == user_id), None)
    if member is None:
        abort(404)
    return member


@bp.route("/organisasjoner/<int:organisation_id>/medlemmer/<int:user_id>/fjern",
          methods=["POST"])
@login_required
def remove_member_view(organisation_id, user_id):
    organisation = _organisation_or_404(organisation_id, check=is_member)
    member = _member_or_404(organisation, user_id)
    leaving = member.id == current_user.id
    removed = commit(
        remove_member, organisation, member, _actor(),
        success=_("Du er ikke lenger medlem av %(name)s.", name=organisation.name) if leaving
        else _("%(name)s er fjernet.", name=member.name))
    if removed and leaving:  # the organisation is no longer theirs
        return redirect(url_for("auth.my_page"))
    return _back_to(organisation, "medlemmer")


@bp.route("/organisasjoner/<int:organisation_id>/medlemmer/<int:user_id>/ansvarlig",
          methods=["POST"])
@login_required
def make_responsible_view(organisation_id, user_id):
    organisation = _organisation_or_404(organisation_id, check=is_member)
    member = _member_or_404(organisation, user_id)
    commit(make_responsible, organisation, member, _actor(),
           success=_("%(name)s er nå ansvarlig for organisasjonen.", name=member.name))
    return _back_to(organisation, "medlemmer")


# Administration --------------------------------------------------------------

@bp.route("/admin/brukere")
@login_required
def users():
    require(can_administer(current_user))
    search = clean_text(request.args.get("q", ""))[:100].strip()
    page, per_page = int_arg("side", 1), queries.USERS_PAGE_SIZE
    found, total = queries.users_page(search, page, per_page)
    return render_template("auth/users.html", users=found, search=search, total=total,
                           page=page, more=page * per_page < total)


@bp.route("/admin/brukere/<int:user_id>", methods=["GET", "POST"])
@login_required
def edit_user(user_id):
    require(can_administer(current_user))
    user = db.session.get(User, user_id) or abort(404)
    form = UserAdminForm(obj=user, role=user.role.value)
    if form.validate_on_submit() and commit(
            update_user, user, form.active.data, Role(form.role.data), _actor(), into=form,
            success=_("Brukeren er oppdatert.")):
        return redirect(url_for("auth.users"))
    return render_template("auth/user_form.html", form=form, user=user)


@bp.route("/sprak", methods=["POST"])
def set_language():
    lang = request.form.get("lang")
    if lang in current_app.config["LANGUAGES"]:
        session["lang"] = lang
        if current_user.is_authenticated:
            commit(set_locale, _actor(), lang)
    target = request.form.get("next")
    return redirect(target if is_safe_next(target) else url_for("calls.index"))
