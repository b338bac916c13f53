from flask import Blueprint, render_template
from flask_login import current_user, login_required

from fund.audit.labels import action_label, object_label, plain_value
from fund.audit.queries import log_page
from fund.core.http import int_arg, require
from fund.core.roles import is_admin

bp = Blueprint("audit", __name__, url_prefix="/admin/logg")

PAGE_SIZE = 50


@bp.route("/")
@login_required
def log():
    require(is_admin(current_user))
    page = int_arg("side", 1)
    events, has_next = log_page(page, PAGE_SIZE)
    return render_template("audit/log.html", events=events, page=page, has_next=has_next,
                           object_label=object_label, plain_value=plain_value,
                           action_label=action_label)
