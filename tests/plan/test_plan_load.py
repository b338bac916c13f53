"""The action plan lives in the database: loaded idempotently, exported, shown publicly."""

import json
from pathlib import Path

import yaml
from sqlalchemy import func, select

from fund.audit.models import AuditEvent
from fund.extensions import db as _db
from fund.plan.loader import DATA_DIR
from fund.plan.models import Area, Measure, PlanVersion, Strategy

PLAN_FILE = DATA_DIR / "handlingsplan-2022-2024.yaml"


def counts():
    return tuple(_db.session.scalar(select(func.count()).select_from(model))
                 for model in (PlanVersion, Area, Strategy, Measure))


def test_loading_the_same_file_twice_changes_nothing(runner):
    before = counts()
    result = runner.invoke(args=["plan", "load", str(PLAN_FILE)])
    assert result.exit_code == 0, result.output
    assert "uendret" in result.output
    assert counts() == before == (1, 5, 15, 43)
    assert _db.session.scalar(select(func.count()).select_from(AuditEvent)
                              .where(AuditEvent.action == "plan.loaded")) == 0


def test_export_prints_the_loaded_plan_as_json(runner):
    result = runner.invoke(args=["plan", "export"])
    assert result.exit_code == 0, result.output
    exported = json.loads(result.output)
    source = yaml.safe_load(PLAN_FILE.read_text(encoding="utf-8"))
    assert exported["period"] == "2022-2024"
    assert exported["main_goals"] == source["main_goals"] and len(exported["main_goals"]) == 7
    assert len(exported["effect_goals"]) == 4
    assert [a["code"] for a in exported["areas"]] == ["1", "2", "3", "4", "5"]
    strategy_1b = exported["areas"][0]["strategies"][1]
    assert strategy_1b["code"] == "1B"
    assert {"code": "1B-3", "text": "Årlig utlysning av næringsfond, gjerne i samarbeid med "
            "klimafondet.", "open_to_applicants": False, "is_fund": True} \
        in strategy_1b["measures"]
    assert {"code": "1B-2", "open_to_applicants": True}.items() <= \
        strategy_1b["measures"][1].items()
    assert (exported["starts_on"], exported["ends_on"]) == ("2022-01-01", "2024-12-31")
    assert strategy_1b["substrategies"] == source["areas"][0]["strategies"][1]["substrategies"]
    for area, source_area in zip(exported["areas"], source["areas"], strict=True):
        for strategy, source_strategy in zip(area["strategies"], source_area["strategies"],
                                             strict=True):
            assert strategy["measures"] == source_strategy["measures"]


def _second_period(tmp_path: Path) -> Path:
    data = yaml.safe_load(PLAN_FILE.read_text(encoding="utf-8"))
    data["period"] = "2025-2027"
    data["title"] = "Handlingsplan 2025–2027"
    data["starts_on"], data["ends_on"] = "2025-01-01", "2027-12-31"
    data["areas"][0]["strategies"][0]["measures"].append(
        {"code": "1A-3", "text": "Et nytt tiltak for ny periode."})
    path = tmp_path / "handlingsplan-2025-2027.yaml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    return path


def test_a_second_period_loads_beside_the_first_and_old_calls_keep_theirs(runner, tmp_path):
    from tests.helpers import make_call, the_plan
    old_call = make_call()
    _db.session.commit()
    result = runner.invoke(args=["plan", "load", str(_second_period(tmp_path))])
    assert result.exit_code == 0, result.output
    assert "44 tiltak" in result.output
    periods = _db.session.scalars(select(PlanVersion.period).order_by(PlanVersion.period)).all()
    assert periods == ["2022-2024", "2025-2027"]
    assert old_call.plan == the_plan()
    assert json.loads(runner.invoke(args=["plan", "export"]).output)["period"] == "2025-2027"
    older = json.loads(runner.invoke(args=["plan", "export", "--period", "2022-2024"]).output)
    assert sum(len(s["measures"]) for a in older["areas"] for s in a["strategies"]) == 43


def test_changing_a_measure_text_updates_it_in_place(runner, tmp_path):
    data = yaml.safe_load(PLAN_FILE.read_text(encoding="utf-8"))
    data["areas"][0]["strategies"][0]["measures"][0]["text"] = "Utarbeide en aktøranalyse."
    path = tmp_path / "changed.yaml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    measure_id = _db.session.scalar(select(Measure.id).where(Measure.code == "1A-1"))
    result = runner.invoke(args=["plan", "load", str(path)])
    assert "lastet inn" in result.output
    measure = _db.session.get(Measure, measure_id)
    assert measure.text == "Utarbeide en aktøranalyse."
    assert _db.session.scalar(select(func.count()).select_from(AuditEvent)
                              .where(AuditEvent.action == "plan.loaded")) == 1


def test_a_broken_plan_file_is_refused_with_a_message(runner, tmp_path):
    path = tmp_path / "broken.yaml"
    path.write_text("period: x\nareas: [\n", encoding="utf-8")
    result = runner.invoke(args=["plan", "load", str(path)])
    assert result.exit_code != 0
    assert "Kunne ikke lese" in result.output


def test_the_public_plan_page_is_a_navigable_tree(client):
    response = client.get("/plan/")
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert 'href="#omrade-1"' in html and 'id="omrade-1"' in html
    assert 'href="#strategi-5C"' in html and 'id="strategi-5C"' in html
    assert 'id="tiltak-2B-3"' in html and "Årlig utlysning av næringsfondet." in html
    assert "Innsatsområde 3: Opplevelser og kreative næringer" in html
    assert html.count("<main") == 1


def test_the_plan_page_of_a_period_that_does_not_exist_is_404(client):
    assert client.get("/plan/1999-2001").status_code == 404


def test_the_plan_page_runs_a_constant_number_of_queries(client, runner, tmp_path):
    from tests.helpers import count_queries
    client.get("/plan/2022-2024")  # warm-up
    with count_queries() as first:
        client.get("/plan/2022-2024")
    runner.invoke(args=["plan", "load", str(_second_period(tmp_path))])
    with count_queries() as second:
        client.get("/plan/2025-2027")
    assert first.count == second.count <= 8


import pytest  # noqa: E402

from fund.plan.loader import PlanFileError, parse_plan  # noqa: E402


@pytest.mark.parametrize("text", [
    "just a string",
    "period: x\ntitle: y\nmain_goals: 5\neffect_goals: []\nareas: []\n",
    "period: x\ntitle: y\nmain_goals: []\neffect_goals: []\nareas: [3]\n",
    "period: x\ntitle: y\nmain_goals: []\neffect_goals: []\n"
    "areas: [{code: '1', title: t, strategies: [{code: 1A, title: s, measures: [x]}]}]\n",
    "period: x\ntitle: y\nmain_goals: []\neffect_goals: []\nstarts_on: 'in spring'\nareas: []\n",
])
def test_malformed_plan_files_are_refused_not_crashed_on(text):
    with pytest.raises(PlanFileError):
        parse_plan(text)


# -- A plan version a call was opened under does not change -----------------------------------

def _reworded(tmp_path: Path) -> Path:
    data = yaml.safe_load(PLAN_FILE.read_text(encoding="utf-8"))
    data["areas"][0]["strategies"][0]["measures"][0]["text"] = "Utarbeide en aktøranalyse."
    path = tmp_path / "reworded.yaml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    return path


def test_a_plan_in_use_is_not_reworded_and_the_cli_says_why(runner, tmp_path):
    from tests.helpers import make_call
    make_call()
    _db.session.commit()
    result = runner.invoke(args=["plan", "load", str(_reworded(tmp_path))])
    assert result.exit_code != 0
    assert "Handlingsplan 2022-2024 er i bruk av utlysninger" in result.output
    assert "teksten i tiltak 1A-1 endres" in result.output
    assert "ny periode" in result.output and "Traceback" not in result.output
    _db.session.expire_all()
    assert _db.session.scalar(select(Measure.text).where(Measure.code == "1A-1")) \
        == "Utarbeide aktøranalyse."
    assert _db.session.scalar(select(func.count()).select_from(AuditEvent)
                              .where(AuditEvent.action == "plan.loaded")) == 0


def test_a_plan_in_use_reloads_unchanged(runner):
    from tests.helpers import make_call
    make_call()
    _db.session.commit()
    result = runner.invoke(args=["plan", "load", str(PLAN_FILE)])
    assert result.exit_code == 0, result.output
    assert "uendret" in result.output


def test_removing_a_tagged_measure_is_refused_with_a_message_not_an_integrity_error(app, db):
    """ARCH-REVIEW §4: load_plan(data without 1B-3) after make_application → IntegrityError."""
    import pytest

    from fund.plan.loader import PlanInUse, load_plan
    from tests.helpers import make_application, make_call, make_organisation, make_user
    applicant = make_user("soker@example.no")
    make_application(make_call(), make_organisation(applicant), applicant)
    data = yaml.safe_load(PLAN_FILE.read_text(encoding="utf-8"))
    strategy = data["areas"][0]["strategies"][1]
    strategy["measures"] = [m for m in strategy["measures"] if m["code"] != "1B-3"]
    with app.test_request_context(), pytest.raises(PlanInUse) as refused:
        load_plan(data)
    assert "tiltak 1B-3 fjernes" in str(refused.value)
    assert _db.session.scalar(select(func.count()).select_from(Measure)
                              .where(Measure.code == "1B-3")) == 1


def test_the_message_names_each_kind_of_change(app, db):
    import pytest

    from fund.plan.loader import PlanInUse, load_plan
    from tests.helpers import make_call
    make_call()
    data = yaml.safe_load(PLAN_FILE.read_text(encoding="utf-8"))
    data["title"] = "Ny tittel"
    data["main_goals"][0] = "Et annet mål."
    data["areas"][1]["title"] = "Nytt navn"
    data["areas"][1]["strategies"][0]["measures"][0]["open_to_applicants"] = True
    data["areas"][2]["strategies"][0]["measures"].append({"code": "3A-3", "text": "Nytt."})
    with app.test_request_context(), pytest.raises(PlanInUse) as refused:
        load_plan(data)
    assert refused.value.differences == [
        "tittelen endres", "hovedmål endres", "teksten i innsatsområde 2 endres",
        "om tiltak 2A-1 er åpent for søkere, endres", "tiltak 3A-3 legges til"]


def test_a_version_no_call_uses_can_still_be_reworded(runner, tmp_path):
    result = runner.invoke(args=["plan", "load", str(_reworded(tmp_path))])
    assert result.exit_code == 0, result.output
    assert "lastet inn" in result.output
