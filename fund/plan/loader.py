"""Reading a plan file into the database, and writing the loaded plan out again."""

from datetime import date, datetime
from pathlib import Path

import yaml
from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import selectinload

from fund.core.errors import DomainError
from fund.core.signals import answered_yes, plan_version_in_use
from fund.core.types import utcnow
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
        # The parser's own words are English and technical: say where, in Norwegian.
        mark = getattr(exc, "problem_mark", None) or getattr(exc, "context_mark", None)
        if mark is not None:
            raise PlanFileError(_("Ikke gyldig YAML: feil på linje %(line)s, tegn %(column)s. "
                                  "Sjekk innrykk, kolon og anførselstegn der.",
                                  line=mark.line + 1, column=mark.column + 1)) from exc
        raise PlanFileError(_("Ikke gyldig YAML.")) from exc
    except (ValueError, TypeError, OverflowError, RecursionError) as exc:
        # e.g. an unquoted date that does not exist (2030-13-45), or nesting without end
        raise PlanFileError(_("Ikke gyldig YAML: en verdi kan ikke leses (for eksempel en "
                              "dato som ikke finnes), eller filen er nøstet for dypt.")) from exc
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
                for flag in ("open_to_applicants", "is_fund"):
                    if not isinstance(measure.get(flag, False), bool):
                        raise PlanFileError(_("%(where)s: «%(key)s» må være true eller false.",
                                              where=measure_where, key=flag))
                if measure.get("is_fund") and measure.get("open_to_applicants"):
                    raise PlanFileError(_("%(where)s: et tiltak som er selve fondet "
                                          "(«is_fund»), kan ikke være åpent for søkere.",
                                          where=measure_where))


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


def load_plan(data: dict, draft: bool = False) -> tuple[PlanVersion, bool]:
    """Create or update the plan version for ``data['period']``.

    Returns the version and whether anything changed. Idempotent: the same data
    loaded twice changes nothing the second time. ``draft``: a new or changed version is
    left unpublished (an administrator's upload, published after a preview); otherwise
    the version is published (``flask plan load``, the tests' and demo's plan).
    """
    period = str(data["period"])
    plan = _find_for_load(period)
    if plan is not None and answered_yes(plan_version_in_use, plan):
        differences = _differences(export_plan(plan), _normalised(data))
        if differences:
            raise PlanInUse(period, differences)
        return plan, False
    if plan is None:
        plan = PlanVersion(period=period)
        db.session.add(plan)
    _apply(plan, data)
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
    if draft:
        if changed:
            plan.published_at = None  # a changed plan is public again only once published
    elif plan.published_at is None:
        plan.published_at = utcnow()
        changed = True
    return plan, changed


def _find_for_load(period: str) -> PlanVersion | None:
    return db.session.execute(
        select(PlanVersion).where(PlanVersion.period == period)
        .options(selectinload(PlanVersion.goals),
                 selectinload(PlanVersion.areas).selectinload(Area.strategies)
                 .selectinload(Strategy.measures))
    ).scalar_one_or_none()


def _apply(plan: PlanVersion, data: dict) -> None:
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
            update=lambda row, m, pos: _set(
                row, text=m["text"], position=pos,
                open_to_applicants=m.get("open_to_applicants", False),
                is_fund=m.get("is_fund", False)))

    plan.areas = _sync({a.code: a for a in plan.areas}, data["areas"],
                       key=lambda a: str(a["code"]), create=lambda a: Area(code=str(a["code"])),
                       update=update_area)


class PlanInUse(PlanFileError):
    """A plan version that calls were opened under would change: it is kept as it is."""

    def __init__(self, period: str, differences: list[str]):
        shown = "; ".join(differences[:5])
        if len(differences) > 5:
            shown += _(" og %(count)s endringer til", count=len(differences) - 5)
        super().__init__(_(
            "Handlingsplan %(period)s er i bruk av utlysninger og kan ikke endres, slik at "
            "de beholder planen de ble opprettet under. Filen ville endret dette: "
            "%(changes)s. Last inn den endrede planen som en ny periode (en ny «period» i "
            "filen).", period=period, changes=shown))
        self.differences = differences


def _normalised(data: dict) -> dict:
    """``data`` in the shape ``export_plan`` gives, so the two compare."""
    return {
        "period": str(data["period"]),
        "title": data["title"],
        "starts_on": _iso(_date(data.get("starts_on"))),
        "ends_on": _iso(_date(data.get("ends_on"))),
        "main_goals": list(data["main_goals"]),
        "effect_goals": list(data["effect_goals"]),
        "areas": [{
            "code": str(area["code"]),
            "title": area["title"],
            "strategies": [{
                "code": str(strategy["code"]),
                "title": strategy["title"],
                "substrategies": [sub for sub in strategy.get("substrategies", []) if sub],
                "measures": [_export_measure(str(m["code"]), m["text"],
                                             m.get("open_to_applicants", False),
                                             m.get("is_fund", False))
                             for m in strategy.get("measures", [])],
            } for strategy in area.get("strategies", [])],
        } for area in data["areas"]],
    }


def _differences(old: dict, new: dict) -> list[str]:
    """What loading ``new`` over ``old`` (both as ``export_plan`` gives them) would change,
    in words."""
    found = []
    for key, label in (("title", _("tittelen")), ("starts_on", _("startdatoen")),
                       ("ends_on", _("sluttdatoen"))):
        if old.get(key) != new.get(key):
            found.append(_("%(what)s endres", what=label))
    for key, label in (("main_goals", _("hovedmål")), ("effect_goals", _("effektmål"))):
        if old[key] != new[key]:
            found.append(_("%(what)s endres", what=label))

    def strategies(old_area, new_area):
        _compare(found, old_area["strategies"], new_area["strategies"],
                 _("strategi %(code)s"), "title", measures)

    def measures(old_strategy, new_strategy):
        if old_strategy["substrategies"] != new_strategy["substrategies"]:
            found.append(_("delstrategiene i strategi %(code)s endres",
                           code=new_strategy["code"]))
        _compare(found, old_strategy["measures"], new_strategy["measures"],
                 _("tiltak %(code)s"), "text", None, flags=True)

    _compare(found, old["areas"], new["areas"], _("innsatsområde %(code)s"), "title",
             strategies)
    return found


def _compare(found: list, old: list[dict], new: list[dict], name: str, text_key: str,
             inner, flags: bool = False) -> None:
    old_by_code = {item["code"]: item for item in old}
    new_codes = [item["code"] for item in new]
    for item in old:
        if item["code"] not in new_codes:
            found.append(_("%(what)s fjernes", what=name % {"code": item["code"]}))
    for item in new:
        what = name % {"code": item["code"]}
        before = old_by_code.get(item["code"])
        if before is None:
            found.append(_("%(what)s legges til", what=what))
            continue
        if before[text_key] != item[text_key]:
            found.append(_("teksten i %(what)s endres", what=what))
        if flags and (before.get("open_to_applicants"), before.get("is_fund")) != \
                (item.get("open_to_applicants"), item.get("is_fund")):
            found.append(_("om %(what)s er åpent for søkere, endres", what=what))
        if inner is not None:
            inner(before, item)
    if [c for c in (i["code"] for i in old) if c in new_codes] != \
            [c for c in new_codes if c in old_by_code]:
        found.append(_("rekkefølgen endres (%(what)s)", what=", ".join(new_codes)))


def _iso(value: date | None) -> str | None:
    return value.isoformat() if value else None


def _export_measure(code: str, text: str, open_to_applicants: bool, is_fund: bool) -> dict:
    measure = {"code": code, "text": text, "open_to_applicants": open_to_applicants}
    if is_fund:
        measure["is_fund"] = True
    return measure


def find_plan(period: str | None = None, with_tree: bool = True,
              drafts: bool = False) -> PlanVersion | None:
    """The plan of ``period``, or the newest one; with its whole tree in a fixed
    number of queries. Only published plans, unless ``drafts``."""
    query = select(PlanVersion)
    if not drafts:
        query = query.where(PlanVersion.published_at.is_not(None))
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
        "starts_on": _iso(plan.starts_on),
        "ends_on": _iso(plan.ends_on),
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
                        "measures": [_export_measure(m.code, m.text, m.open_to_applicants,
                                                     m.is_fund) for m in s.measures],
                    }
                    for s in area.strategies
                ],
            }
            for area in plan.areas
        ],
    }
