"""State changes of the plan: loading a plan file (an upload is a draft until published),
and the political priority of each innsatsområde. Each writes the audit log; the caller
commits."""

from pathlib import Path

from flask_babel import gettext as _

from fund.audit.operations import record
from fund.core.errors import DomainError
from fund.core.forms import clean_text
from fund.core.signals import answered_yes, plan_version_in_use
from fund.core.types import utcnow
from fund.extensions import db
from fund.plan.loader import PlanFileError, PlanInUse, load_plan, parse_plan, read_plan_file
from fund.plan.models import Area, PlanVersion


def load(data: dict, file: str, draft: bool = False, **details) -> tuple[PlanVersion, bool]:
    """Load a parsed plan; audited when anything changed. Returns the version and whether
    it changed."""
    plan, changed = load_plan(data, draft=draft)
    if changed:
        record("plan.loaded", plan, file=file, published=not plan.is_draft, **details)
    return plan, changed


def load_upload(raw: bytes, filename: str | None) -> tuple[PlanVersion, bool]:
    """Load an uploaded plan file; what is wrong with it is a ``PlanFileError``."""
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise PlanFileError(_("Filen må være en tekstfil (YAML) i UTF-8.")) from exc
    try:
        return load(parse_plan(text), file=clean_text(filename)[:255], draft=True)
    except PlanInUse:
        raise
    except PlanFileError as exc:
        raise PlanFileError(_("Filen har ikke riktig format: %(error)s", error=str(exc))) \
            from exc


def publish_plan(plan: PlanVersion) -> PlanVersion:
    """Publish a draft plan: the public plan pages show it, and new calls can use it."""
    db.session.refresh(plan, with_for_update=True)  # one of two at once publishes
    if not plan.is_draft:
        raise DomainError(_("Handlingsplan %(period)s er allerede publisert.",
                            period=plan.period))
    plan.published_at = utcnow()
    record("plan.published", plan, period=plan.period, title=plan.title)
    return plan


def delete_draft_plan(plan: PlanVersion) -> str:
    """Delete a draft plan that nothing uses; returns its period."""
    db.session.refresh(plan, with_for_update=True)
    if not plan.is_draft:
        raise DomainError(_("Handlingsplan %(period)s er publisert og kan ikke slettes. Bare "
                            "et utkast kan slettes.", period=plan.period))
    if answered_yes(plan_version_in_use, plan):
        raise DomainError(_("Handlingsplan %(period)s er i bruk av en utlysning og kan ikke "
                            "slettes.", period=plan.period))
    record("plan.draft_deleted", plan, period=plan.period, title=plan.title)
    db.session.delete(plan)
    return plan.period


def load_path(path: Path) -> tuple[PlanVersion, bool]:
    """Load a plan file from disk (``flask plan load``)."""
    return load(read_plan_file(path), file=path.name, source="cli")


def set_priorities(plan: PlanVersion, priorities: dict[int, int | None]) -> list[Area]:
    """Set the political priority (percent of the fund, None: not set) of the plan's
    innsatsområder, by area id; areas not named keep theirs. Each must be a whole number
    from 0 to 100, and together at most 100. One audit entry per area that changes;
    returns those areas."""
    areas = {area.id: area for area in plan.areas}
    unknown = set(priorities) - set(areas)
    if unknown:
        raise DomainError(_("Innsatsområdet hører ikke til handlingsplan %(period)s.",
                            period=plan.period))
    for area_id, percent in priorities.items():
        if percent is not None and (isinstance(percent, bool) or not isinstance(percent, int)
                                    or not 0 <= percent <= 100):
            raise DomainError(_("Prioriteringen for innsatsområde %(code)s må være et helt "
                                "tall fra 0 til 100.", code=areas[area_id].code))
    after = {area_id: priorities.get(area_id, area.priority_percent)
             for area_id, area in areas.items()}
    total = sum(percent for percent in after.values() if percent is not None)
    if total > 100:
        raise DomainError(_("Prioriteringene er til sammen %(total)s prosent. De kan ikke "
                            "være mer enn 100 prosent til sammen.", total=total))
    changed = []
    for area in plan.areas:
        if after[area.id] != area.priority_percent:
            record("plan.priority_set", area, plan=plan.period, area=area.code,
                   old=area.priority_percent, new=after[area.id])
            area.priority_percent = after[area.id]
            changed.append(area)
    return changed
