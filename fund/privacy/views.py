"""«Dine data»: the download of a person's data, and closing their own account. Every
page is the logged-in person's own; there is no id in the URLs to reach anyone else's."""

from flask import Blueprint, redirect, render_template, request, send_file, session, url_for
from flask_login import current_user, login_required, logout_user

from fund.core.http import commit
from fund.core.types import utcnow
from fund.privacy import operations
from fund.privacy.forms import CloseAccountForm
from fund.privacy.operations import ExportLimited, WrongPassword

bp = Blueprint("privacy", __name__)


def _me():
    return current_user._get_current_object()


@bp.route("/min-side/dine-data")
@login_required
def my_data():
    return render_template("privacy/my_data.html")


@bp.route("/min-side/dine-data/last-ned", methods=["POST"])
@login_required
def download():
    outcome = commit(operations.export_file, _me(), keep=(ExportLimited,))
    if not outcome:
        return render_template("privacy/my_data.html"), 429
    return send_file(outcome.value, mimetype="application/zip", as_attachment=True,
                     download_name=operations.export_filename(utcnow()))


@bp.route("/min-side/avslutt-konto", methods=["GET", "POST"])
@login_required
def close_account():
    form = CloseAccountForm()
    refusal = operations.refusal(_me())
    if refusal is None and form.validate_on_submit():
        outcome = commit(operations.close_account, _me(), form.password.data,
                         request.remote_addr, into=form, keep=(WrongPassword,))
        if outcome:
            lang = session.get("lang")
            logout_user()
            session.clear()
            if lang:
                session["lang"] = lang
            return redirect(url_for("privacy.closed"))
    status = 200 if not form.errors and not form.form_errors else 400
    return render_template("privacy/close.html", form=form, refusal=refusal), status


@bp.route("/konto-avsluttet")
def closed():
    return render_template("privacy/closed.html")
