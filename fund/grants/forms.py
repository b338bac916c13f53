"""The grants domain's forms."""

from fund.core.forms import Form  # noqa: F401

# --- Acceptance ---

# --- Payments ---

# --- Final report ---

# --- Recovery ---

# --- Registers ---
