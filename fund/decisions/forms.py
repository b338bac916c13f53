"""The decisions domain's forms."""


# --- Part C ---


# --- Part D ---
