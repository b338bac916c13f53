"""The decisions domain's queries."""


# --- Part C ---


# --- Part D ---
