"""Case handling: conflicts of interest, assessments and scores, ranking."""

from flask import Blueprint

bp = Blueprint("review", __name__, url_prefix="/saksbehandling")

from fund.review import grants, views  # noqa: E402,F401
