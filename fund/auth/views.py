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
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required, login_user, logout_user
from sqlalchemy import func, select
from sqlalchemy.orm import selectinload
from stdnum.no import kontonr

from fund.audit.operations import record
from fund.auth import brreg
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
from fund.auth.models import Claim, ClaimState, Invitation, Membership, Organisation, User
from fund.auth.operations import (
    AccountError,
    AlreadyRegistered,
    BankChange,
    LoginBlocked,
    MailLimited,
    RoleCheckBlocked,
    accept_invitation,
    authenticate,
    confirm_register_role,
    create_organisation,
    decide_bank_account,
    decide_claim,
    decline_invitation,
    end_session,
    invitation_is_open,
    invite,
    make_claim,
    make_responsible,
    read_token,
    register_user,
    remove_member,
    request_password_reset,
    set_active,
    set_password,
    set_role,
    start_session,
    unverify_organisation,
    update_organisation,
    verify_email,
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
from fund.core.http import flash_errors, int_arg, is_safe_next, require, writes
from fund.core.roles import Role
from fund.extensions import db

bp = Blueprint("auth", __name__)


@bp.route("/registrer", methods=["GET", "POST"])
def register():
    if current_user.is_authenticated:
        return redirect(url_for("calls.index"))
    form = RegisterForm()
    status = 200
    if form.validate_on_submit():
        try:
            register_user(form.email.data, form.name.data, form.password.data,
                          form.phone.data, request.remote_addr)
        except MailLimited as exc:
            db.session.commit()  # the attempt counts
            form.form_errors.append(str(exc))
            status = 429
        else:
            db.session.commit()
            return render_template("auth/check_email.html", email=form.email.data.strip().lower())
    return render_template("auth/register.html", form=form), status


@bp.route("/bekreft-epost/<token>", endpoint="verify_email")
@writes
def verify_email_view(token):
    try:
        user = read_token(token, "verify")
    except AccountError as exc:
        flash(str(exc), "danger")
        return redirect(url_for("auth.resend_verification"))
    verify_email(user)
    db.session.commit()
    flash(_("E-postadressen er bekreftet. Du kan nå logge inn."), "success")
    return redirect(url_for("auth.login"))


@bp.route("/send-bekreftelse", methods=["GET", "POST"])
def resend_verification():
    form = EmailForm()
    if form.validate_on_submit():
        try:
            accounts.resend_verification(form.email.data, request.remote_addr)
        except MailLimited as exc:
            db.session.commit()
            form.form_errors.append(str(exc))
            return render_template("auth/resend.html", form=form), 429
        db.session.commit()
        flash(_("Hvis det finnes en ubekreftet konto med denne adressen, har vi sendt en "
                "ny lenke."),
              "info")
        return redirect(url_for("auth.login"))
    return render_template("auth/resend.html", form=form)


@bp.route("/logg-inn", methods=["GET", "POST"])
def login():
    if current_user.is_authenticated:
        return redirect(url_for("calls.index"))
    form = LoginForm()
    status = 200
    if form.validate_on_submit():
        try:
            user = authenticate(form.email.data, form.password.data, request.remote_addr)
        except LoginBlocked as exc:
            db.session.commit()
            form.form_errors.append(str(exc))
            status = 429
        except AccountError as exc:
            db.session.commit()  # the failed attempt counts
            form.form_errors.append(str(exc))
        else:
            lang = session.get("lang")  # a language chosen before logging in is kept
            session.clear()  # a fresh session on login (no fixation)
            session["sid"] = start_session(user, request.remote_addr)
            db.session.commit()
            login_user(user)
            session.permanent = True
            if user.locale or lang:
                session["lang"] = user.locale or lang
            target = request.args.get("next")
            return redirect(target if is_safe_next(target) else url_for("auth.my_page"))
    return render_template("auth/login.html", form=form), status


@bp.route("/logg-ut", methods=["POST"])
def logout():
    if current_user.is_authenticated:
        record("user.logged_out", current_user._get_current_object())
    end_session(session.get("sid"))  # a copy of the cookie stops working too
    db.session.commit()
    lang = session.get("lang")
    logout_user()
    session.clear()
    if lang:
        session["lang"] = lang
    flash(_("Du er logget ut."), "info")
    return redirect(url_for("calls.index"))


@bp.route("/glemt-passord", methods=["GET", "POST"])
def forgot_password():
    form = EmailForm()
    if form.validate_on_submit():
        try:
            request_password_reset(form.email.data, request.remote_addr)
        except MailLimited as exc:
            db.session.commit()
            form.form_errors.append(str(exc))
            return render_template("auth/forgot.html", form=form), 429
        db.session.commit()
        flash(_("Hvis det finnes en konto med denne adressen, har vi sendt en lenke for å "
                "velge nytt passord. Lenken virker i én time."), "info")
        return redirect(url_for("auth.login"))
    return render_template("auth/forgot.html", form=form)


@bp.route("/nytt-passord/<token>", methods=["GET", "POST"])
def reset_password(token):
    try:
        user = read_token(token, "reset")
    except AccountError as exc:
        flash(str(exc), "danger")
        return redirect(url_for("auth.forgot_password"))
    form = NewPasswordForm()
    form.user_inputs = [user.email, user.name]
    if form.validate_on_submit():
        set_password(user, form.password.data)
        db.session.commit()
        flash(_("Passordet er endret. Logg inn med det nye passordet."), "success")
        return redirect(url_for("auth.login"))
    return render_template("auth/reset.html", form=form)


@bp.route("/min-side")
@login_required
def my_page():
    organisations = [m.organisation for m in db.session.execute(
        select(Membership).where(Membership.user_id == current_user.id)
        .options(selectinload(Membership.organisation))).scalars()]
    invitations, claims = [], []
    if current_user.role == Role.APPLICANT:
        invitations = [i for i in db.session.execute(
            select(Invitation).where(Invitation.email == current_user.email)
            .options(selectinload(Invitation.organisation), selectinload(Invitation.invited_by))
            .order_by(Invitation.created_at)).scalars()
            if can_answer_invitation(current_user, i) and invitation_is_open(i)]
        claims = db.session.execute(
            select(Claim).where(Claim.claimant_id == current_user.id,
                                Claim.state == ClaimState.OPEN)
            .options(selectinload(Claim.organisation)).order_by(Claim.created_at)).scalars().all()
    return render_template("auth/my_page.html", organisations=organisations,
                           invitations=invitations, claims=claims)


# Organisations ---------------------------------------------------------------

#: Enhetsregisteret's roles that may confirm, as the member is told.
ROLE_NAMES = {"DAGL": _l("daglig leder"), "LEDE": _l("styrets leder"),
              "SIGN": _l("signaturrett"), "PROK": _l("prokura")}


def _organisation_or_404(organisation_id: int, check=can_view_organisation) -> Organisation:
    organisation = db.session.execute(
        select(Organisation).where(Organisation.id == organisation_id)
        .options(selectinload(Organisation.memberships).selectinload(Membership.user))
    ).scalar_one_or_none()
    if organisation is None or not check(current_user, organisation):
        abort(404)  # another party's organisation is not even acknowledged
    return organisation


def _back_to(organisation: Organisation, anchor: str | None = None):
    return redirect(url_for("auth.organisation", organisation_id=organisation.id,
                            _anchor=anchor))


def _change(action, success: str, form=None, category: str = "warning") -> bool:
    """Carry out a posted change: when the form is not valid, or the rules refuse the
    change (AccountError), say so and save nothing; else commit and say ``success``."""
    if form is not None and not form.validate_on_submit():
        flash_errors(form)
        return False
    try:
        action()
    except AccountError as exc:
        db.session.rollback()
        flash(str(exc), category)
        return False
    db.session.commit()
    flash(success, "success")
    return True


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
    for name in ("name", "org_form", "industry_code", "address", "postcode", "city",
                 "municipality_number", "vat_registered"):
        getattr(form, name).data = getattr(entry, name)
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


def _organisation_fields(form: OrganisationForm) -> dict:
    return {name: (getattr(form, name).data or None) for name in (
        "org_form", "industry_code", "address", "postcode", "city", "municipality_number",
        "bank_account")} | {"name": form.name.data.strip(),
                            "vat_registered": form.vat_registered.data}


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
        try:
            organisation = create_organisation(
                form.orgnr.data, current_user._get_current_object(),
                **_organisation_fields(form) | _register_flags(form.orgnr.data))
        except AlreadyRegistered as exc:
            form.orgnr.errors.append(str(exc))
            claim_orgnr = form.orgnr.data
        else:
            db.session.commit()
            flash(_("Organisasjonen er registrert."), "success")
            return _back_to(organisation)
    return render_template("auth/organisation_form.html", form=form, organisation=None,
                           register_enabled=register_enabled, claim_orgnr=claim_orgnr)


@bp.route("/organisasjoner/<int:organisation_id>")
@login_required
def organisation(organisation_id):
    organisation = _organisation_or_404(organisation_id)
    member = is_member(current_user, organisation)
    staff = can_verify_organisation(current_user)
    invitations = []
    if member:
        invitations = [i for i in db.session.execute(
            select(Invitation).where(Invitation.organisation_id == organisation.id)
            .order_by(Invitation.created_at)).scalars() if invitation_is_open(i)]
    claims = db.session.execute(
        select(Claim).where(Claim.organisation_id == organisation.id,
                            Claim.state == ClaimState.OPEN)
        .options(selectinload(Claim.claimant)).order_by(Claim.created_at)).scalars().all()
    return render_template(
        "auth/organisation.html", organisation=organisation, member=member, staff=staff,
        responsible=is_responsible(current_user, organisation),
        can_edit=can_edit_organisation(current_user, organisation),
        register_enabled=current_app.config["BRREG_ENABLED"],
        invitations=invitations, claims=claims, invite_form=InviteForm(),
        verify_form=VerifyForm(prefix="verify"),
        unverify_form=UnverifyForm(prefix="unverify"),
        bank_form=BankAccountDecisionForm(prefix="bank"),
        pending_valid=kontonr.is_valid(organisation.pending_bank_account or ""),
        claim_forms={c.id: ClaimDecisionForm(prefix=f"claim-{c.id}") for c in claims})


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
        try:
            change = update_organisation(
                organisation, current_user._get_current_object(),
                **_organisation_fields(form) | _register_flags(organisation.orgnr))
        except AccountError as exc:
            form.bank_account.errors.append(str(exc))  # nothing is saved
        else:
            db.session.commit()
            flash(_("Endringene er lagret."), "success")
            if change is BankChange.PENDING:
                flash(_("Det nye kontonummeret tas i bruk når kommunen har godkjent det, fordi "
                        "organisasjonen har fått tilskudd. Alle medlemmene har fått beskjed "
                        "på e-post."), "info")
            elif change is BankChange.CHANGED:
                flash(_("Kontonummeret er endret. Alle medlemmene har fått beskjed på e-post."),
                      "info")
            return _back_to(organisation)
    return render_template("auth/organisation_form.html", form=form, organisation=organisation,
                           register_enabled=register_enabled)


# The right to act: verification, register roles, claims, bank account approval ----------

@bp.route("/organisasjoner/<int:organisation_id>/verifiser", methods=["POST"])
@login_required
def verify_organisation_view(organisation_id):
    require(can_verify_organisation(current_user))
    organisation = _organisation_or_404(organisation_id)
    form = VerifyForm(prefix="verify")
    _change(lambda: verify_organisation(organisation, current_user._get_current_object(),
                                        form.note.data),
            _("Organisasjonen er verifisert."), form)
    return _back_to(organisation, "verifisering")


@bp.route("/organisasjoner/<int:organisation_id>/verifisering/fjern", methods=["POST"])
@login_required
def unverify_organisation_view(organisation_id):
    require(can_verify_organisation(current_user))
    organisation = _organisation_or_404(organisation_id)
    form = UnverifyForm(prefix="unverify")
    _change(lambda: unverify_organisation(organisation, current_user._get_current_object(),
                                          form.note.data),
            _("Verifiseringen er fjernet."), form)
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
        try:
            holder = confirm_register_role(organisation, current_user._get_current_object(),
                                           form.birth_date.data)
        except RoleCheckBlocked as exc:
            db.session.commit()  # the attempt counts
            form.form_errors.append(str(exc))
            status = 429
        except AccountError as exc:
            db.session.commit()  # the attempt counts
            form.form_errors.append(str(exc))
        else:
            db.session.commit()
            flash(_("Organisasjonen er verifisert: du står i Enhetsregisteret med %(role)s.",
                    role=ROLE_NAMES.get(holder.role, holder.role)), "success")
            return _back_to(organisation, "verifisering")
    return render_template("auth/organisation_role.html", form=form, organisation=organisation,
                           roles=ROLE_NAMES.values()), status


@bp.route("/organisasjoner/krav", methods=["GET", "POST"])
@login_required
def claim():
    require(current_user.role == Role.APPLICANT)
    form = ClaimForm(orgnr=request.args.get("orgnr", "")[:20])
    status = 200
    if form.validate_on_submit():
        try:
            make_claim(form.orgnr.data, current_user._get_current_object(), form.reason.data,
                       request.remote_addr)
        except MailLimited as exc:
            db.session.commit()  # the attempt counts
            form.form_errors.append(str(exc))
            status = 429
        except AccountError as exc:
            form.orgnr.errors.append(str(exc))
        else:
            db.session.commit()
            flash(_("Kravet er sendt. Kommunen sjekker det og gir deg svar på e-post. "
                    "Medlemmene av organisasjonen har fått beskjed om at noen har gjort krav "
                    "på den, men ikke hvem."), "success")
            return redirect(url_for("auth.my_page"))
    return render_template("auth/organisation_claim.html", form=form), status


@bp.route("/organisasjoner/<int:organisation_id>/krav/<int:claim_id>", methods=["POST"])
@login_required
def decide_claim_view(organisation_id, claim_id):
    require(can_verify_organisation(current_user))
    organisation = _organisation_or_404(organisation_id)
    # Locked until the decision commits: two staff deciding at once cannot both succeed.
    claim = db.session.execute(
        select(Claim).where(Claim.id == claim_id).with_for_update()).scalar_one_or_none()
    if claim is None or claim.organisation_id != organisation.id:
        abort(404)
    form = ClaimDecisionForm(prefix=f"claim-{claim.id}")
    if not form.validate_on_submit():
        flash_errors(form)
    elif form.grant.data or form.reject.data:
        _change(lambda: decide_claim(claim, bool(form.grant.data),
                                     current_user._get_current_object(), form.note.data),
                _("Kravet er innvilget. Den som gjorde krav, er nå eneste medlem, og "
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
        _change(lambda: decide_bank_account(organisation, bool(form.approve.data),
                                            current_user._get_current_object(),
                                            form.note.data or ""),
                _("Det nye kontonummeret er godkjent.") if form.approve.data
                else _("Det nye kontonummeret er avvist."))
    return _back_to(organisation, "kontonummer")


@bp.route("/organisasjoner/oppfolging")
@login_required
def organisations_to_follow_up():
    """For staff: open claims, bank accounts waiting for approval, unverified organisations."""
    require(can_verify_organisation(current_user))
    claims = db.session.execute(
        select(Claim).where(Claim.state == ClaimState.OPEN)
        .options(selectinload(Claim.organisation), selectinload(Claim.claimant))
        .order_by(Claim.created_at)).scalars().all()
    pending = db.session.execute(
        select(Organisation).where(Organisation.pending_bank_account.is_not(None))
        .order_by(Organisation.pending_bank_account_at)).scalars().all()
    page = int_arg("side", 1)
    per_page = 50
    unverified_query = select(Organisation).where(Organisation.verified_at.is_(None))
    total = db.session.scalar(select(func.count()).select_from(unverified_query.subquery()))
    unverified = db.session.execute(
        unverified_query.order_by(Organisation.created_at.desc(), Organisation.id.desc())
        .offset((page - 1) * per_page).limit(per_page)).scalars().all()
    return render_template("auth/organisations_follow_up.html", claims=claims, pending=pending,
                           unverified=unverified, total=total, page=page,
                           more=page * per_page < total)


# Members and invitations -----------------------------------------------------------------

@bp.route("/organisasjoner/<int:organisation_id>/invitasjoner", methods=["POST"])
@login_required
def invite_view(organisation_id):
    organisation = _organisation_or_404(organisation_id, check=is_member)
    form = InviteForm()
    if form.validate_on_submit():
        email = form.email.data.strip().lower()
        try:
            invite(organisation, email, current_user._get_current_object(),
                   request.remote_addr)
        except MailLimited as exc:
            db.session.commit()  # the attempt counts
            flash(str(exc), "danger")
        except AccountError as exc:
            flash(str(exc), "danger")
        else:
            db.session.commit()
            flash(_("Invitasjonen er sendt til %(email)s. Når personen logger inn med denne "
                    "adressen, kan hen godta den på «Min side». Invitasjonen gjelder i "
                    "%(days)s dager.", email=email,
                    days=current_app.config["INVITATION_MAX_AGE"].days), "success")
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
    email = invitation.email
    withdraw_invitation(invitation, current_user._get_current_object())
    db.session.commit()
    flash(_("Invitasjonen til %(email)s er trukket tilbake.", email=email), "success")
    return _back_to(organisation, "medlemmer")


def _invitation_or_404(invitation_id: int) -> Invitation:
    """Locked, so that a second click waits for the first answer and then finds nothing."""
    invitation = db.session.execute(select(Invitation).where(
        Invitation.id == invitation_id).with_for_update()).scalar_one_or_none()
    if invitation is None or not can_answer_invitation(current_user, invitation):
        abort(404)
    return invitation


@bp.route("/invitasjoner/<int:invitation_id>/godta", methods=["POST"])
@login_required
def accept_invitation_view(invitation_id):
    invitation = _invitation_or_404(invitation_id)
    try:
        organisation = accept_invitation(invitation, current_user._get_current_object())
    except AccountError as exc:
        flash(str(exc), "warning")
        return redirect(url_for("auth.my_page"))
    db.session.commit()
    flash(_("Du er nå medlem av %(name)s og kan søke for organisasjonen.",
            name=organisation.name), "success")
    return _back_to(organisation)


@bp.route("/invitasjoner/<int:invitation_id>/avsla", methods=["POST"])
@login_required
def decline_invitation_view(invitation_id):
    invitation = _invitation_or_404(invitation_id)
    decline_invitation(invitation, current_user._get_current_object())
    db.session.commit()
    flash(_("Du har takket nei til invitasjonen."), "success")
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
    try:
        remove_member(organisation, member, current_user._get_current_object())
    except AccountError as exc:
        flash(str(exc), "danger")
    else:
        db.session.commit()
        if member.id == current_user.id:  # left it; the organisation is no longer theirs
            flash(_("Du er ikke lenger medlem av %(name)s.", name=organisation.name),
                  "success")
            return redirect(url_for("auth.my_page"))
        flash(_("%(name)s er fjernet.", name=member.name), "success")
    return _back_to(organisation, "medlemmer")


@bp.route("/organisasjoner/<int:organisation_id>/medlemmer/<int:user_id>/ansvarlig",
          methods=["POST"])
@login_required
def make_responsible_view(organisation_id, user_id):
    organisation = _organisation_or_404(organisation_id, check=is_member)
    member = _member_or_404(organisation, user_id)
    _change(lambda: make_responsible(organisation, member, current_user._get_current_object()),
            _("%(name)s er nå ansvarlig for organisasjonen.", name=member.name),
            category="danger")
    return _back_to(organisation, "medlemmer")


# Administration --------------------------------------------------------------

@bp.route("/admin/brukere")
@login_required
def users():
    require(can_administer(current_user))
    all_users = db.session.execute(select(User).order_by(User.role, User.email)).scalars().all()
    return render_template("auth/users.html", users=all_users)


@bp.route("/admin/brukere/<int:user_id>", methods=["GET", "POST"])
@login_required
def edit_user(user_id):
    require(can_administer(current_user))
    user = db.session.get(User, user_id) or abort(404)
    form = UserAdminForm(obj=user, role=user.role.value)
    if form.validate_on_submit():
        try:
            set_active(user, form.active.data, current_user._get_current_object())
            set_role(user, Role(form.role.data), current_user._get_current_object())
        except AccountError as exc:
            db.session.rollback()
            form.form_errors.append(str(exc))
        else:
            db.session.commit()
            flash(_("Brukeren er oppdatert."), "success")
            return redirect(url_for("auth.users"))
    return render_template("auth/user_form.html", form=form, user=user)


@bp.route("/sprak", methods=["POST"])
def set_language():
    lang = request.form.get("lang")
    if lang in current_app.config["LANGUAGES"]:
        session["lang"] = lang
        if current_user.is_authenticated and current_user.locale != lang:
            record("user.locale_changed", current_user._get_current_object(),
                   old=current_user.locale, new=lang)
            current_user.locale = lang
            db.session.commit()
    target = request.form.get("next")
    return redirect(target if is_safe_next(target) else url_for("calls.index"))
