"""Reading a plan file into the database, and writing the loaded plan out again."""

from datetime import date, datetime
from pathlib import Path

import yaml
from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import selectinload

from fund.core.errors import DomainError
from fund.extensions import db
from fund.plan.models import Area, Goal, GoalKind, Measure, PlanVersion, Strategy

DATA_DIR = Path(__file__).parent / "data"


class PlanFileError(DomainError):
    """The plan file does not have the expected shape; the message says where and what."""


#: The longest texts the columns hold (``fund.plan.models``).
PERIOD_MAX, TITLE_MAX, AREA_CODE_MAX, ITEM_TITLE_MAX, STRATEGY_CODE_MAX, MEASURE_CODE_MAX = \
    20, 200, 10, 300, 10, 20


def read_plan_file(path: Path | str) -> dict:
    return parse_plan(Path(path).read_text(encoding="utf-8"))


def parse_plan(text: str) -> dict:
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        raise PlanFileError(_("Ikke gyldig YAML: %(error)s", error=exc)) from exc
    except (ValueError, TypeError, OverflowError, RecursionError) as exc:
        # e.g. an unquoted date that does not exist (2030-13-45), or nesting without end
        raise PlanFileError(_("Ikke gyldig YAML: %(error)s", error=exc)) from exc
    validate(data)
    return data


def validate(data) -> None:
    """Check the shape of a plan and the type of every value in it, so that loading it
    cannot fail. Raises ``PlanFileError`` saying where and what is wrong."""
    _mapping(data, _("Filen"), ("period", "title", "main_goals", "effect_goals", "areas"))
    _code(data, "period", _("Filen"), PERIOD_MAX)
    _text(data, "title", _("Filen"), TITLE_MAX)
    for key in ("starts_on", "ends_on"):
        _date(data.get(key), key)
    for key in ("main_goals", "effect_goals"):
        for number, goal in enumerate(_list(data, key, _("Filen")), start=1):
            where = _("«%(key)s» nr. %(number)s", key=key, number=number)
            if not _is_text(goal):
                raise PlanFileError(_("%(where)s må være en tekst.", where=where))
            _no_control_characters(goal, where)
    seen: set[tuple[str, str]] = set()
    for number, area in enumerate(_list(data, "areas", _("Filen")), start=1):
        where = _("Innsatsområde nr. %(number)s", number=number)
        _mapping(area, where, ("code", "title"))
        code = _code(area, "code", where, AREA_CODE_MAX)
        where = _("Innsatsområde %(code)s", code=code)
        _unique(seen, "area", code, where)
        _text(area, "title", where, ITEM_TITLE_MAX)
        for number, strategy in enumerate(_list(area, "strategies", where, []), start=1):
            where = _("Strategi nr. %(number)s i innsatsområde %(code)s", number=number,
                      code=code)
            _mapping(strategy, where, ("code", "title"))
            strategy_code = _code(strategy, "code", where, STRATEGY_CODE_MAX)
            where = _("Strategi %(code)s", code=strategy_code)
            _unique(seen, "strategy", strategy_code, where)
            _text(strategy, "title", where, ITEM_TITLE_MAX)
            for sub in _list(strategy, "substrategies", where, []):
                if not _is_text(sub) or "\n" in sub or "\r" in sub:
                    raise PlanFileError(_("%(where)s: hver delstrategi i «substrategies» må "
                                          "være en tekst på én linje.", where=where))
                _no_control_characters(sub, where)
            for number, measure in enumerate(_list(strategy, "measures", where, []), start=1):
                measure_where = _("Tiltak nr. %(number)s i strategi %(code)s", number=number,
                                  code=strategy_code)
                _mapping(measure, measure_where, ("code", "text"))
                measure_code = _code(measure, "code", measure_where, MEASURE_CODE_MAX)
                measure_where = _("Tiltak %(code)s", code=measure_code)
                _unique(seen, "measure", measure_code, measure_where)
                _text(measure, "text", measure_where)


def _is_text(value) -> bool:
    return isinstance(value, str) and bool(value.strip())


def _no_control_characters(text: str, where: str) -> None:
    if any(ord(c) < 32 and c not in "\t\n\r" or ord(c) == 127 for c in text):
        raise PlanFileError(_("%(where)s: teksten inneholder kontrolltegn.", where=where))


def _mapping(value, where: str, required: tuple[str, ...]) -> None:
    if not isinstance(value, dict):
        raise PlanFileError(_("%(where)s må være en oversikt med nøklene %(keys)s.",
                              where=where, keys=", ".join(required)))
    for key in required:
        if key not in value:
            raise PlanFileError(_("%(where)s mangler «%(key)s».", where=where, key=key))


def _text(mapping: dict, key: str, where: str, max_length: int | None = None) -> str:
    value = mapping[key]
    if not _is_text(value):
        raise PlanFileError(_("%(where)s: «%(key)s» må være en tekst.", where=where, key=key))
    if max_length is not None and len(value) > max_length:
        raise PlanFileError(_("%(where)s: «%(key)s» kan være høyst %(max)s tegn.",
                              where=where, key=key, max=max_length))
    _no_control_characters(value, where)
    return value


def _code(mapping: dict, key: str, where: str, max_length: int) -> str:
    """A code (``1B-3``) or period (``2022-2024``): text, or a whole number."""
    value = mapping[key]
    if isinstance(value, int) and not isinstance(value, bool):
        value = str(value)
    if not _is_text(value) or value != value.strip() or "\n" in value:
        raise PlanFileError(_("%(where)s: «%(key)s» må være en kort tekst på én linje, f.eks. "
                              "\"1B-3\" eller \"2025-2027\" (i anførselstegn).",
                              where=where, key=key))
    if len(value) > max_length:
        raise PlanFileError(_("%(where)s: «%(key)s» kan være høyst %(max)s tegn.",
                              where=where, key=key, max=max_length))
    _no_control_characters(value, where)
    return value


def _list(mapping: dict, key: str, where: str, default=None) -> list:
    value = mapping.get(key, default)
    if not isinstance(value, list):
        raise PlanFileError(_("%(where)s: «%(key)s» må være en liste.", where=where, key=key))
    return value


def _unique(seen: set, kind: str, code: str, where: str) -> None:
    if (kind, code) in seen:
        raise PlanFileError(_("%(where)s: koden er brukt mer enn én gang.", where=where))
    seen.add((kind, code))


def _date(value, key: str = "") -> date | None:
    if value is None or isinstance(value, date) and not isinstance(value, datetime):
        return value
    if isinstance(value, str):
        try:
            return date.fromisoformat(value)
        except ValueError:
            pass
    raise PlanFileError(_("«%(key)s» må være en dato (ÅÅÅÅ-MM-DD), ikke %(value)s.",
                          key=key, value=repr(value)[:50]))


def _sync(existing: dict, items: list, key, create, update) -> list:
    """Update rows matched by key, create missing ones; return them in file order."""
    result = []
    for position, item in enumerate(items):
        row = existing.pop(key(item), None)
        if row is None:
            row = create(item)
        update(row, item, position)
        result.append(row)
    return result


def _set(row, **values) -> None:
    """Assign only what differs, so that loading the same file again changes nothing."""
    for name, value in values.items():
        if getattr(row, name) != value:
            setattr(row, name, value)


def load_plan(data: dict) -> tuple[PlanVersion, bool]:
    """Create or update the plan version for ``data['period']``.

    Returns the version and whether anything changed. Idempotent: the same data
    loaded twice changes nothing the second time.
    """
    period = str(data["period"])
    plan = db.session.execute(
        select(PlanVersion).where(PlanVersion.period == period)
        .options(selectinload(PlanVersion.goals),
                 selectinload(PlanVersion.areas).selectinload(Area.strategies)
                 .selectinload(Strategy.measures))
    ).scalar_one_or_none()
    if plan is None:
        plan = PlanVersion(period=period)
        db.session.add(plan)
    _set(plan, title=data["title"], starts_on=_date(data.get("starts_on")),
         ends_on=_date(data.get("ends_on")))

    goal_items = [(GoalKind.MAIN, n, text) for n, text in enumerate(data["main_goals"], 1)]
    goal_items += [(GoalKind.EFFECT, n, text) for n, text in enumerate(data["effect_goals"], 1)]
    plan.goals = _sync(
        {(g.kind, g.number): g for g in plan.goals}, goal_items,
        key=lambda item: item[:2],
        create=lambda item: Goal(kind=item[0], number=item[1]),
        update=lambda row, item, pos: _set(row, text=item[2], position=pos),
    )

    def update_area(area, item, position):
        _set(area, title=item["title"], position=position)
        area.strategies = _sync(
            {s.code: s for s in area.strategies}, item.get("strategies", []),
            key=lambda s: str(s["code"]), create=lambda s: Strategy(code=str(s["code"])),
            update=update_strategy)

    def update_strategy(strategy, item, position):
        _set(strategy, title=item["title"], position=position,
             substrategies_text="\n".join(item.get("substrategies", [])))
        strategy.measures = _sync(
            {m.code: m for m in strategy.measures}, item.get("measures", []),
            key=lambda m: str(m["code"]), create=lambda m: Measure(code=str(m["code"])),
            update=lambda row, m, pos: _set(row, text=m["text"], position=pos))

    plan.areas = _sync({a.code: a for a in plan.areas}, data["areas"],
                       key=lambda a: str(a["code"]), create=lambda a: Area(code=str(a["code"])),
                       update=update_area)
    changed = bool(db.session.new or db.session.deleted
                   or any(db.session.is_modified(row) for row in db.session.dirty))
    if changed:
        try:
            db.session.flush()
        except IntegrityError as exc:  # the caller rolls back
            raise PlanFileError(_(
                "Handlingsplan %(period)s er i bruk, og filen fjerner eller flytter et "
                "innsatsområde, en strategi eller et tiltak som utlysninger eller søknader "
                "viser til. Behold kodene som er i bruk, eller last inn planen som en ny "
                "periode.", period=period)) from exc
    return plan, changed


def find_plan(period: str | None = None, with_tree: bool = True) -> PlanVersion | None:
    """The plan of ``period``, or the newest one; with its whole tree in a fixed
    number of queries."""
    query = select(PlanVersion)
    if with_tree:
        query = query.options(
            selectinload(PlanVersion.goals),
            selectinload(PlanVersion.areas).selectinload(Area.strategies)
            .selectinload(Strategy.measures))
    if period:
        query = query.where(PlanVersion.period == period)
    else:
        query = query.order_by(PlanVersion.starts_on.desc(), PlanVersion.id.desc()).limit(1)
    return db.session.execute(query).scalars().first()


def export_plan(plan: PlanVersion) -> dict:
    return {
        "period": plan.period,
        "title": plan.title,
        "main_goals": [g.text for g in plan.goals_of(GoalKind.MAIN)],
        "effect_goals": [g.text for g in plan.goals_of(GoalKind.EFFECT)],
        "areas": [
            {
                "code": area.code,
                "title": area.title,
                "strategies": [
                    {
                        "code": s.code,
                        "title": s.title,
                        "substrategies": s.substrategies,
                        "measures": [{"code": m.code, "text": m.text} for m in s.measures],
                    }
                    for s in area.strategies
                ],
            }
            for area in plan.areas
        ],
    }
