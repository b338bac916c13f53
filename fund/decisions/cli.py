"""Command-line work of the decisions domain (run from cron, or by an admin)."""

from flask.cli import AppGroup

decisions_cli = AppGroup("decisions", help="Vedtak: valutakurser, brev og foreløpige svar.")


# --- Exchange rates (part C) -------------------------------------------------------------


# --- Provisional replies and letters (part D) --------------------------------------------
