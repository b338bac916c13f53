"""The applicant's journey: draft, plan fit, budget, attachments, submission, receipt."""

from flask import Blueprint

bp = Blueprint("applications", __name__)

from fund.applications import views  # noqa: E402,F401
