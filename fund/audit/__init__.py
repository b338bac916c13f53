"""The audit log: who did what, when, to which object. Append-only."""

from flask import Blueprint

bp = Blueprint("audit", __name__, url_prefix="/admin/logg")

from fund.audit import views  # noqa: E402,F401
