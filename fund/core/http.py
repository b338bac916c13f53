from urllib.parse import urlsplit

from flask import abort, flash


def require(condition: bool) -> None:
    """403 unless the user's role allows the page. Objects of other parties use 404."""
    if not condition:
        abort(403)


def is_safe_next(target: str | None) -> bool:
    """Only local paths are followed after login (no open redirect)."""
    if not target:
        return False
    parts = urlsplit(target)
    return not parts.scheme and not parts.netloc and target.startswith("/") \
        and not target.startswith("//") and "\\" not in target


def flash_errors(form) -> None:
    """For small forms that redirect back: show their errors as messages."""
    for errors in form.errors.values():
        for error in errors:
            flash(str(error), "danger")
