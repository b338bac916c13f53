"""Reading a plan file into the database, and writing the loaded plan out again."""

from datetime import date
from pathlib import Path

import yaml
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from fund.extensions import db
from fund.plan.models import Area, Goal, GoalKind, Measure, PlanVersion, Strategy

DATA_DIR = Path(__file__).parent / "data"


class PlanFileError(ValueError):
    """The plan file does not have the expected shape."""


def read_plan_file(path: Path | str) -> dict:
    return parse_plan(Path(path).read_text(encoding="utf-8"))


def parse_plan(text: str) -> dict:
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        raise PlanFileError(f"not valid YAML: {exc}") from exc
    validate(data)
    return data


def validate(data) -> None:
    def need(cond, message):
        if not cond:
            raise PlanFileError(message)

    need(isinstance(data, dict), "the file must hold a mapping")
    for key in ("period", "title", "main_goals", "effect_goals", "areas"):
        need(key in data, f"missing key: {key}")
    for key in ("main_goals", "effect_goals", "areas"):
        need(isinstance(data[key], list), f"{key} must be a list")
    need(all(isinstance(g, str) and g for g in data["main_goals"]), "main_goals: texts")
    need(all(isinstance(g, str) and g for g in data["effect_goals"]), "effect_goals: texts")
    for key in ("starts_on", "ends_on"):
        _date(data.get(key))
    codes = set()
    for area in data["areas"]:
        need(isinstance(area, dict) and area.get("code") and area.get("title"),
             "each area needs code and title")
        need(isinstance(area.get("strategies", []), list), "strategies must be a list")
        for strategy in area.get("strategies", []):
            need(isinstance(strategy, dict) and isinstance(strategy.get("measures", []), list)
                 and isinstance(strategy.get("substrategies", []), list),
                 f"area {area['code']}: each strategy needs lists of substrategies and measures")
            need(strategy.get("code") and strategy.get("title"),
                 f"area {area['code']}: each strategy needs code and title")
            for measure in strategy.get("measures", []):
                need(isinstance(measure, dict) and measure.get("code") and measure.get("text"),
                     f"strategy {strategy['code']}: each measure needs code and text")
                need(measure["code"] not in codes, f"duplicate measure code {measure['code']}")
                codes.add(measure["code"])


def _date(value) -> date | None:
    if value is None or isinstance(value, date):
        return value
    try:
        return date.fromisoformat(str(value))
    except ValueError as exc:
        raise PlanFileError(f"not a date (YYYY-MM-DD): {value}") from exc


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
        db.session.flush()
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
