"""Pages of the decisions domain. Part C (recording decisions, the rate table) writes in
its section, part D (letters, notification, appeals) in its own."""

from flask import Blueprint

#: Staff pages: recording vedtak, letters, appeals, exchange rates.
bp = Blueprint("decisions", __name__, url_prefix="/vedtak")
#: The applicant's pages: their decision, letter and appeal.
applicant_bp = Blueprint("decisions_applicant", __name__, url_prefix="/mine-vedtak")


# --- Recording decisions and the rate table (part C) ------------------------------------


# --- Letters, notification and appeals (part D) -----------------------------------------
