"""The decisions domain's permissions."""


# --- Part C ---


# --- Part D ---
