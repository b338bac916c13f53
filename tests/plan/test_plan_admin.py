"""An administrator loads a new plan period from the browser, and reads the audit log."""

import io

import pytest
import yaml
from sqlalchemy import select

from fund.audit.models import AuditEvent
from fund.core.roles import Role
from fund.extensions import db as _db
from fund.plan.loader import DATA_DIR
from fund.plan.models import Measure, PlanVersion
from tests.helpers import (
    csrf_token,
    html_of,
    login,
    make_application,
    make_call,
    make_organisation,
    make_user,
)


def upload(client, content: bytes, name="plan.yaml"):
    return client.post("/plan/admin", data={
        "csrf_token": csrf_token(client, "/plan/admin"),
        "file": (io.BytesIO(content), name)}, content_type="multipart/form-data")


def test_an_admin_uploads_a_new_plan_period_and_it_is_audited(client, db):
    admin = make_user("admin@example.no", Role.ADMIN)
    login(client, admin)
    data = yaml.safe_load((DATA_DIR / "handlingsplan-2022-2024.yaml").read_text("utf-8"))
    data["period"], data["title"] = "2025-2027", "Handlingsplan 2025–2027"
    response = upload(client, yaml.safe_dump(data, allow_unicode=True).encode())
    assert response.status_code == 302
    assert "2025-2027 er lastet inn" in client.get("/plan/admin").get_data(as_text=True)
    assert _db.session.scalars(select(PlanVersion.period).order_by(PlanVersion.period)).all() \
        == ["2022-2024", "2025-2027"]
    event = _db.session.scalars(select(AuditEvent).where(AuditEvent.action == "plan.loaded")).one()
    assert event.actor_id == admin.id
    log = client.get("/admin/logg/").get_data(as_text=True)
    assert "plan.loaded" in log and "admin@example.no" in log


def test_a_bad_plan_file_is_refused_with_a_reason_and_nothing_changes(client, db):
    login(client, make_user("admin@example.no", Role.ADMIN))
    html = upload(client, b"\x89PNG\r\n\x1a\n\x00\x00", "bilde.yaml").get_data(as_text=True)
    assert "tekstfil (YAML) i UTF-8" in html
    html = upload(client, b"period: 2030\nareas: nope\n").get_data(as_text=True)
    assert "Filen har ikke riktig format" in html
    # a broken file says where, in Norwegian, not the parser's English
    html = upload(client, b"period: 2030\ntitle: [ikke lukket\n").get_data(as_text=True)
    assert "Ikke gyldig YAML: feil på linje 3" in html
    assert "while parsing" not in html and "expected" not in html
    html = client.post("/plan/admin", data={"csrf_token": csrf_token(client, "/plan/admin")},
                       content_type="multipart/form-data").get_data(as_text=True)
    assert "Velg en fil." in html
    assert _db.session.scalars(select(PlanVersion.period)).all() == ["2022-2024"]


# -- Badly typed plan files (security review L10) ------------------------------------------------

GOOD_PLAN = """
period: "2030-2032"
title: "Handlingsplan 2030–2032"
starts_on: 2030-01-01
ends_on: 2032-12-31
main_goals: ["Flere arbeidsplasser"]
effect_goals: ["Økt kompetanse"]
areas:
  - code: "1"
    title: "Klima og energi"
    strategies:
      - code: "1A"
        title: "Innovasjonsdistrikt"
        substrategies: ["Se på muligheten for en strategi."]
        measures:
          - {code: "1A-1", text: "Utarbeide aktøranalyse."}
          - {code: "1A-2", text: "Vurdere forstudie."}
"""


def plan_with(old: str, new: str) -> bytes:
    assert old in GOOD_PLAN
    return GOOD_PLAN.replace(old, new, 1).encode()


BAD_PLANS = [
    # The review's reproductions
    pytest.param(plan_with('title: "Handlingsplan 2030–2032"', "title: [1, 2]"),
                 "Filen: «title» må være en tekst.", id="title-a-list"),
    pytest.param(plan_with('text: "Vurdere forstudie."', "text: {x: 1}"),
                 "Tiltak 1A-2: «text» må være en tekst.", id="measure-text-a-mapping"),
    pytest.param(plan_with('substrategies: ["Se på muligheten for en strategi."]',
                           "substrategies: [1, 2]"),
                 "Strategi 1A: hver delstrategi i «substrategies» må være en tekst på én linje.",
                 id="substrategies-numbers"),
    pytest.param(plan_with('period: "2030-2032"', "period: 2030-01-01").replace(
        b"starts_on: 2030-01-01", b"starts_on: 2030-13-45"),
        "Ikke gyldig YAML", id="date-that-does-not-exist"),
    # More of the same kind
    pytest.param(plan_with('period: "2030-2032"', "period: 2030-01-01"),
                 "Filen: «period» må være en kort tekst", id="period-a-date"),
    pytest.param(plan_with('period: "2030-2032"', "period: true"),
                 "Filen: «period» må være en kort tekst", id="period-a-boolean"),
    pytest.param(plan_with('period: "2030-2032"', 'period: "2030-2032-2034-2036-2038"'),
                 "«period» kan være høyst 20 tegn.", id="period-too-long"),
    pytest.param(plan_with("starts_on: 2030-01-01", 'starts_on: "i vår"'),
                 "«starts_on» må være en dato (ÅÅÅÅ-MM-DD)", id="date-in-words"),
    pytest.param(plan_with("starts_on: 2030-01-01", "starts_on: 2030-01-01 10:00:00"),
                 "«starts_on» må være en dato", id="date-with-time"),
    pytest.param(plan_with("ends_on: 2032-12-31", "ends_on: [2032]"),
                 "«ends_on» må være en dato", id="date-a-list"),
    pytest.param(plan_with('main_goals: ["Flere arbeidsplasser"]', "main_goals: [{a: 1}]"),
                 "«main_goals» nr. 1 må være en tekst.", id="goal-a-mapping"),
    pytest.param(plan_with('effect_goals: ["Økt kompetanse"]', "effect_goals: Økt kompetanse"),
                 "Filen: «effect_goals» må være en liste.", id="goals-not-a-list"),
    pytest.param(plan_with('main_goals: ["Flere arbeidsplasser"]', 'main_goals: [""]'),
                 "«main_goals» nr. 1 må være en tekst.", id="goal-empty"),
    pytest.param(plan_with('title: "Klima og energi"', 'title: "Klima\\0og energi"'),
                 "Innsatsområde 1: teksten inneholder kontrolltegn.", id="nul-in-a-title"),
    pytest.param(plan_with('title: "Klima og energi"', f'title: "{"x" * 301}"'),
                 "Innsatsområde 1: «title» kan være høyst 300 tegn.", id="title-too-long"),
    pytest.param(plan_with("    strategies:\n", "    strategies:\n    strategies_x:\n"),
                 "Innsatsområde 1: «strategies» må være en liste.", id="strategies-null"),
    pytest.param(plan_with('  - code: "1"', "  - code: [1]"),
                 "Innsatsområde nr. 1: «code» må være en kort tekst", id="code-a-list"),
    pytest.param(plan_with('  - code: "1"', "  - code: 1.5"),
                 "Innsatsområde nr. 1: «code» må være en kort tekst", id="code-a-float"),
    pytest.param(plan_with('      - code: "1A"', "      - code: 1A-kode-som-er-for-lang"),
                 "Strategi nr. 1 i innsatsområde 1: «code» kan være høyst 10 tegn.",
                 id="code-too-long"),
    pytest.param(plan_with('{code: "1A-2",', '{code: "1A-1",'),
                 "Tiltak 1A-1: koden er brukt mer enn én gang.", id="duplicate-measure"),
    pytest.param(plan_with("        measures:\n", "        measures:\n          - 7\n"),
                 "Tiltak nr. 1 i strategi 1A må være en oversikt med nøklene code, text.",
                 id="measure-a-number"),
    pytest.param(plan_with("areas:\n", "areas:\n  - [1]\n"),
                 "Innsatsområde nr. 1 må være en oversikt", id="area-a-list"),
    pytest.param(plan_with("    title: \"Klima og energi\"\n", ""),
                 "Innsatsområde nr. 1 mangler «title».", id="area-without-title"),
    pytest.param(b"- 1\n- 2\n", "Filen må være en oversikt", id="a-list-not-a-mapping"),
    pytest.param(b"[" * 1500, "Ikke gyldig YAML", id="nested-without-end"),
    pytest.param(b"a: !!python/object/apply:os.system ['true']\n", "Ikke gyldig YAML",
                 id="python-object"),
    pytest.param(b"? [1, 2]\n: x\n", "Ikke gyldig YAML", id="unhashable-key"),
]


@pytest.mark.parametrize(("content", "message"), BAD_PLANS)
def test_a_badly_typed_plan_file_gets_a_message_on_the_form_and_nothing_changes(
        client, db, content, message):
    login(client, make_user("admin@example.no", Role.ADMIN))
    response = upload(client, content)
    html = html_of(response)
    assert response.status_code == 200
    assert "Filen har ikke riktig format" in html and message in html
    assert _db.session.scalars(select(PlanVersion.period)).all() == ["2022-2024"]


def test_the_well_typed_plan_of_these_tests_loads(client, db):
    login(client, make_user("admin@example.no", Role.ADMIN))
    assert upload(client, GOOD_PLAN.encode()).status_code == 302
    assert _db.session.scalars(select(PlanVersion.period).order_by(PlanVersion.period)).all() \
        == ["2022-2024", "2030-2032"]


def test_a_plan_in_use_cannot_lose_a_measure_applications_point_to(client, db):
    applicant = make_user("soker@example.no")
    make_application(make_call(), make_organisation(applicant), applicant)  # chose 1B-3
    login(client, make_user("admin@example.no", Role.ADMIN))
    data = yaml.safe_load((DATA_DIR / "handlingsplan-2022-2024.yaml").read_text("utf-8"))
    for area in data["areas"]:
        for strategy in area["strategies"]:
            strategy["measures"] = [m for m in strategy["measures"] if m["code"] != "1B-3"]
    response = upload(client, yaml.safe_dump(data, allow_unicode=True).encode())
    assert response.status_code == 200
    assert "Handlingsplan 2022-2024 er i bruk" in html_of(response)
    assert _db.session.scalars(select(Measure).where(Measure.code == "1B-3")).one()


# -- Random damage to a good plan: a message or a plan that loads, never a crash -----------------

def _damaged_plans(count: int, seed: int = 2027):
    import copy
    import random
    from datetime import date, datetime
    rng = random.Random(seed)
    base = yaml.safe_load(GOOD_PLAN)
    junk = [None, True, 0, -1, 2**70, 1.5, float("nan"), "", " ", "x" * 400, "a\0b", "ok",
            [], [1], {}, {"code": 1}, date(2030, 2, 28), datetime(2030, 1, 1, 12), b"\xff",
            [[[]]], {"a": [None]}]

    def places(node, path=()):
        yield path
        if isinstance(node, dict):
            for key, value in node.items():
                yield from places(value, (*path, key))
        elif isinstance(node, list):
            for index, value in enumerate(node):
                yield from places(value, (*path, index))

    for _ in range(count):
        plan = copy.deepcopy(base)
        for _ in range(rng.randint(1, 3)):
            path = rng.choice(list(places(plan))[1:])
            parent = plan
            for step in path[:-1]:
                parent = parent[step]
            if isinstance(parent, dict) and rng.random() < 0.15:
                del parent[path[-1]]
            else:
                parent[path[-1]] = copy.deepcopy(rng.choice(junk))
        yield plan


def test_randomly_damaged_plans_are_refused_or_loaded_never_crashed_on(app, db):
    from fund.plan.loader import PlanFileError, load_plan, validate
    refused = loaded = 0
    for plan in _damaged_plans(300):
        try:
            validate(plan)
        except PlanFileError:
            refused += 1
            continue
        with app.test_request_context():
            savepoint = _db.session.begin_nested()
            load_plan(plan)
            savepoint.rollback()
        loaded += 1
    assert refused > 150 and loaded > 10  # both paths were exercised


def test_a_plan_in_use_is_not_reworded_from_the_browser_either(client, db):
    make_call()
    login(client, make_user("admin@example.no", Role.ADMIN))
    data = yaml.safe_load((DATA_DIR / "handlingsplan-2022-2024.yaml").read_text("utf-8"))
    data["areas"][0]["strategies"][0]["measures"][1]["text"] = "Gjennomføre en forstudie."
    response = upload(client, yaml.safe_dump(data, allow_unicode=True).encode())
    assert response.status_code == 200
    page = html_of(response)
    assert "Handlingsplan 2022-2024 er i bruk av utlysninger" in page
    assert "teksten i tiltak 1A-2 endres" in page and "ny periode" in page
    _db.session.expire_all()
    assert _db.session.scalar(select(Measure.text).where(Measure.code == "1A-2")) \
        == "Vurdere forstudie som grunnlag for en mulighetsstudie."


def test_the_admin_page_counts_the_measures_open_to_applicants(client, db):
    login(client, make_user("admin@example.no", Role.ADMIN))
    page = html_of(client.get("/plan/admin"))
    assert '<td class="num">43</td><td class="num">12</td>' in page
