"""State changes of the plan: loading a plan file. Each writes the audit log; the caller
commits."""

from pathlib import Path

from flask_babel import gettext as _

from fund.audit.operations import record
from fund.core.forms import clean_text
from fund.plan.loader import PlanFileError, PlanInUse, load_plan, parse_plan, read_plan_file
from fund.plan.models import PlanVersion


def load(data: dict, file: str, **details) -> tuple[PlanVersion, bool]:
    """Load a parsed plan; audited when anything changed. Returns the version and whether
    it changed."""
    plan, changed = load_plan(data)
    if changed:
        record("plan.loaded", plan, file=file, **details)
    return plan, changed


def load_upload(raw: bytes, filename: str | None) -> tuple[PlanVersion, bool]:
    """Load an uploaded plan file; what is wrong with it is a ``PlanFileError``."""
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise PlanFileError(_("Filen må være en tekstfil (YAML) i UTF-8.")) from exc
    try:
        return load(parse_plan(text), file=clean_text(filename)[:255])
    except PlanInUse:
        raise
    except PlanFileError as exc:
        raise PlanFileError(_("Filen har ikke riktig format: %(error)s", error=str(exc))) \
            from exc


def load_path(path: Path) -> tuple[PlanVersion, bool]:
    """Load a plan file from disk (``flask plan load``)."""
    return load(read_plan_file(path), file=path.name, source="cli")
