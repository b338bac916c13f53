from datetime import UTC, datetime

from flask import abort, current_app, flash, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required, login_user, logout_user
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from fund.audit.operations import record
from fund.auth import bp, brreg
from fund.auth.forms import (
    EmailForm,
    LoginForm,
    MemberForm,
    NewPasswordForm,
    OrganisationForm,
    RegisterForm,
    RemoveMemberForm,
    UserAdminForm,
)
from fund.auth.models import Membership, Organisation, Role, User
from fund.auth.operations import (
    AccountError,
    LoginBlocked,
    add_member,
    authenticate,
    create_organisation,
    end_session,
    find_user,
    read_token,
    register_user,
    remove_member,
    request_password_reset,
    send_verification,
    set_active,
    set_password,
    set_role,
    start_session,
    update_organisation,
    verify_email,
)
from fund.auth.permissions import (
    can_administer,
    can_edit_organisation,
    can_view_organisation,
    is_member,
)
from fund.core.http import flash_errors, is_safe_next, require
from fund.extensions import db


@bp.route("/registrer", methods=["GET", "POST"])
def register():
    if current_user.is_authenticated:
        return redirect(url_for("calls.index"))
    form = RegisterForm()
    if form.validate_on_submit():
        try:
            user = register_user(form.email.data, form.name.data, form.password.data,
                                 form.phone.data)
        except AccountError as exc:
            form.email.errors.append(str(exc))
        else:
            db.session.commit()
            return render_template("auth/check_email.html", email=user.email)
    return render_template("auth/register.html", form=form)


@bp.route("/bekreft-epost/<token>", endpoint="verify_email")
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
        user = find_user(form.email.data)
        if user is not None and user.email_verified_at is None:
            send_verification(user)
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
        request_password_reset(form.email.data)
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
    return render_template("auth/my_page.html", organisations=organisations)


# Organisations ---------------------------------------------------------------

def _organisation_or_404(organisation_id: int, check=can_view_organisation) -> Organisation:
    organisation = db.session.execute(
        select(Organisation).where(Organisation.id == organisation_id)
        .options(selectinload(Organisation.memberships).selectinload(Membership.user))
    ).scalar_one_or_none()
    if organisation is None or not check(current_user, organisation):
        abort(404)  # another party's organisation is not even acknowledged
    return organisation


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
    if form.validate_on_submit():
        try:
            organisation = create_organisation(
                form.orgnr.data, current_user._get_current_object(),
                **_organisation_fields(form) | _register_flags(form.orgnr.data))
        except AccountError as exc:
            form.orgnr.errors.append(str(exc))
        else:
            db.session.commit()
            flash(_("Organisasjonen er registrert."), "success")
            return redirect(url_for("auth.organisation", organisation_id=organisation.id))
    return render_template("auth/organisation_form.html", form=form, organisation=None,
                           register_enabled=register_enabled)


@bp.route("/organisasjoner/<int:organisation_id>")
@login_required
def organisation(organisation_id):
    organisation = _organisation_or_404(organisation_id)
    return render_template("auth/organisation.html", organisation=organisation,
                           member_form=MemberForm(), remove_form=RemoveMemberForm(),
                           can_edit=can_edit_organisation(current_user, organisation))


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
        update_organisation(organisation, current_user._get_current_object(),
                            **_organisation_fields(form) | _register_flags(organisation.orgnr))
        db.session.commit()
        flash(_("Endringene er lagret."), "success")
        return redirect(url_for("auth.organisation", organisation_id=organisation.id))
    return render_template("auth/organisation_form.html", form=form, organisation=organisation,
                           register_enabled=register_enabled)


@bp.route("/organisasjoner/<int:organisation_id>/medlemmer", methods=["POST"])
@login_required
def add_member_view(organisation_id):
    organisation = _organisation_or_404(organisation_id, check=is_member)
    form = MemberForm()
    if form.validate_on_submit():
        try:
            user = add_member(organisation, form.email.data, current_user._get_current_object())
        except AccountError as exc:
            flash(str(exc), "danger")
        else:
            db.session.commit()
            flash(_("%(name)s kan nå søke for organisasjonen.", name=user.name), "success")
    else:
        flash_errors(form)
    return redirect(url_for("auth.organisation", organisation_id=organisation.id))


@bp.route("/organisasjoner/<int:organisation_id>/medlemmer/<int:user_id>/fjern",
          methods=["POST"])
@login_required
def remove_member_view(organisation_id, user_id):
    organisation = _organisation_or_404(organisation_id, check=is_member)
    member = next((m.user for m in organisation.memberships if m.user_id == user_id), None)
    if member is None or not RemoveMemberForm().validate_on_submit():
        abort(404)
    try:
        remove_member(organisation, member, current_user._get_current_object())
    except AccountError as exc:
        flash(str(exc), "danger")
    else:
        db.session.commit()
        flash(_("%(name)s er fjernet.", name=member.name), "success")
        if member.id == current_user.id:  # left it; the organisation is no longer theirs
            return redirect(url_for("auth.my_page"))
    return redirect(url_for("auth.organisation", organisation_id=organisation.id))


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
