"""Who sees what of the ranking: an inhabil reader can work nothing out about the hidden
application (§ 6, M1), blind review holds for the ranking and the exports too (M2), and
someone inhabil in one application of a call can neither move its line nor export its
innstilling (M3)."""

import re

from sqlalchemy import select

from fund.audit.models import AuditEvent
from fund.auth.models import Membership
from fund.extensions import db as _db
from fund.review.models import AssessmentState
from tests.helpers import count_queries, declare, html_of, login, post_form
from tests.review.conftest import assess, page, ranked_rows, stored_settings

EXPORTS = ("pdf", "csv", "xlsx")


def open_review(competition) -> None:
    """Without blind review, so only inhabilitet keeps rows back."""
    stored_settings(competition.call).blind_review = False
    _db.session.commit()


# M1: an inhabil caseworker ---------------------------------------------------------------

def test_an_inhabil_caseworker_sees_a_gapless_ranking_summed_over_what_they_see(
        client, competition):
    open_review(competition)
    settings = stored_settings(competition.call)
    settings.funding_line = 2
    settings.funding_line_reason = "Formannskapet vil prioritere Beta."
    _db.session.commit()
    login(client, competition.sara)
    declare(client, competition.apps["B"], disqualified=True, ground="family")

    html = page(client, competition.ranking_path())
    year = competition.call.year
    assert ranked_rows(html) == [(1, f"NF-{year}-0001", "kr 100 000"),
                                 (2, f"NF-{year}-0003", "kr 180 000"),
                                 (3, f"NF-{year}-0004", "kr 230 000")]
    assert "Beta" not in html and "1 søknad vises ikke fordi du er inhabil." in html
    # Totals over the three rows shown: 150 000 + 90 000 + 60 000 applied, and
    # 100 000 + 80 000 + 50 000 recommended; nothing that includes Beta's figures.
    assert "Søkt for søknadene du ser</dt><dd>kr 300 000" in html
    assert "Anbefalt for søknadene du ser</dt><dd>kr 230 000" in html
    assert "Søkt i alt" not in html and "Anbefalt innenfor linjen" not in html
    # The line, the marking below it and the manager's reason would give Beta away.
    assert "Budsjettlinjen:" not in html and "below-line" not in html
    assert "Formannskapet vil prioritere Beta." not in html
    assert "Budsjettlinjen, hvilke søknader som er innenfor den" in html
    assert "innstilling.csv" not in html
    assert "En annen må eksportere den." in html


def test_an_inhabil_caseworker_cannot_export_the_innstilling(client, competition):
    open_review(competition)
    login(client, competition.sara)
    declare(client, competition.apps["B"], disqualified=True, ground="party")
    for kind in EXPORTS:
        response = client.get(competition.ranking_path(f"innstilling.{kind}"))
        assert response.status_code == 302, kind
        assert "En annen må eksportere den." in html_of(client.get(response.headers["Location"]))
    assert _db.session.scalars(select(AuditEvent).where(
        AuditEvent.action == "call.innstilling_exported")).all() == []


def test_a_member_of_an_applicant_is_inhabil_in_the_ranking_without_declaring(
        client, competition):
    open_review(competition)
    competition.apps["C"].organisation.memberships.append(Membership(user=competition.sara))
    _db.session.commit()
    login(client, competition.sara)
    html = page(client, competition.ranking_path())
    assert [case for _rank, case, _sum in ranked_rows(html)] == [
        competition.apps[x].case_number for x in "ABD"]
    assert [rank for rank, _case, _sum in ranked_rows(html)] == [1, 2, 3]
    assert client.get(competition.ranking_path("innstilling.pdf")).status_code == 302


def test_a_reader_who_sees_everything_gets_the_line_and_the_exports(client, competition):
    open_review(competition)
    login(client, competition.sara)
    html = page(client, competition.ranking_path())
    assert [rank for rank, _case, _sum in ranked_rows(html)] == [1, 2, 3, 4]
    assert html.index("Gamma") < html.index("Budsjettlinjen:") < html.index("Delta")
    assert "Anbefalt innenfor linjen</dt><dd>kr 280 000" in html
    assert "Søkt i alt</dt><dd>kr 420 000" in html
    csv = client.get(competition.ranking_path("innstilling.csv"))
    assert csv.status_code == 200 and "Beta" in csv.get_data(as_text=True)


def test_an_inhabilitet_in_another_calls_application_leaves_this_call_whole(
        client, competition):
    """A manager inhabil in applications of another call (declared in one, a member of
    the other's applicant) reads this call's ranking whole and moves its line."""
    from datetime import timedelta

    from fund.applications.models import ApplicationState
    from tests.helpers import make_application, make_call, make_organisation, make_user
    other = make_call(title="Klimafondet", opens_in=timedelta(days=-30),
                      closes_in=timedelta(days=-1))
    elsewhere = []
    for n, orgnr in enumerate(("998877665", "998877657")):
        applicant = make_user(f"annen{n}@example.no")
        elsewhere.append(make_application(
            other, make_organisation(applicant, orgnr=orgnr, name=f"Annen {n} AS"), applicant,
            state=ApplicationState.SUBMITTED, case_number=f"KF-{other.year}-000{n + 1}",
            submitted_at=other.opens_at))
    elsewhere[1].organisation.memberships.append(Membership(user=competition.lene))
    _db.session.commit()
    login(client, competition.lene)
    declare(client, elsewhere[0], disqualified=True, ground="spouse")
    for application in competition.apps.values():
        declare(client, application)
    html = page(client, competition.ranking_path())
    assert 'id="line-form"' in html and "vises ikke fordi du er inhabil" not in html
    post_form(client, competition.ranking_path("linje"),
              {"line": "3", "reason": "Tre av fire."}, form_page=competition.ranking_path())
    _db.session.refresh(competition.call)
    assert stored_settings(competition.call).funding_line == 3


# M2: blind review -----------------------------------------------------------------------

def test_blind_review_holds_on_the_ranking_until_the_caseworker_has_assessed(
        client, competition):
    sara, apps = competition.sara, competition.apps
    assess(apps["C"], sara, 72, 80_000)
    login(client, sara)
    html = page(client, competition.ranking_path())
    # Only Gamma, which Sara has assessed, is ranked; the others are set aside, unranked,
    # in case-number order, with a way to her own assessment and no score-derived figure.
    assert [case for _rank, case, _sum in ranked_rows(html)] == [apps["C"].case_number]
    blinded = html[html.index('id="blinded"'):]
    assert [blinded.index(apps[x].case_number) for x in "ABD"] == sorted(
        blinded.index(apps[x].case_number) for x in "ABD")
    assert f'/saksbehandling/soknader/{apps["A"].id}/vurdering' in blinded
    for secret in ("87,5", "90,0", ">90<", "Sverres begrunnelse", "kr 100 000", "kr 50 000"):
        assert secret not in html, secret
    assert "Budsjettlinjen:" not in html and "Anbefalt innenfor linjen" not in html
    assert "Fullfør vurderingene dine først" in html
    for kind in EXPORTS:
        response = client.get(competition.ranking_path(f"innstilling.{kind}"))
        assert response.status_code == 302, kind
    # Once her own assessments are done, she sees it all.
    for letter in "ABD":
        assess(apps[letter], sara, 50, 40_000)
    html = page(client, competition.ranking_path())
    assert len(ranked_rows(html)) == 4 and 'id="blinded"' not in html
    assert "Anbefalt innenfor linjen" in html and "68,8" in html  # Beta: median of 87,5 and 50
    csv = client.get(competition.ranking_path("innstilling.csv"))
    assert csv.status_code == 200
    # The export has the proposals, never the caseworkers' comments (offl § 14).
    assert "Innvilge" in csv.get_data(as_text=True)
    assert "Sverres begrunnelse" not in csv.get_data(as_text=True)


def test_a_draft_of_ones_own_does_not_lift_the_blinding(client, competition):
    apps = competition.apps
    assess(apps["A"], competition.sara, None, None, state=AssessmentState.DRAFT)
    login(client, competition.sara)
    declare(client, apps["A"])
    html = page(client, competition.ranking_path())
    assert ranked_rows(html) == []
    case_page = page(client, f"/saksbehandling/soknader/{apps['A'].id}")
    assert "Sverre Saksbehandler" not in case_page
    assert "Du ser de andres vurderinger når du har fullført din egen." in case_page


def test_a_manager_who_does_not_assess_sees_it_all_and_one_who_does_is_blinded(
        app, client, competition):
    apps = competition.apps
    login(client, competition.lene)
    html = page(client, competition.ranking_path())
    assert len(ranked_rows(html)) == 4 and "Budsjettlinjen:" in html
    assert client.get(competition.ranking_path("innstilling.xlsx")).status_code == 200

    assess(apps["B"], competition.mona, None, None, state=AssessmentState.DRAFT)
    mona = app.test_client()
    login(mona, competition.mona)
    html = page(mona, competition.ranking_path())
    assert [case for _r, case, _s in ranked_rows(html)] == [apps[x].case_number for x in "ACD"]
    assert apps["B"].case_number in html[html.index('id="blinded"'):]
    assert "Budsjettlinjen:" not in html and 'id="line-form"' not in html
    assert mona.get(competition.ranking_path("innstilling.pdf")).status_code == 302
    declare(mona, apps["B"])
    declare(mona, apps["A"])
    assert "Sverre Saksbehandler" not in page(mona, f"/saksbehandling/soknader/{apps['B'].id}")
    assert "Sverre Saksbehandler" in page(mona, f"/saksbehandling/soknader/{apps['A'].id}")


def test_a_blinded_manager_cannot_move_the_line_by_posting_the_form(app, competition):
    call, apps = competition.call, competition.apps
    assess(apps["B"], competition.mona, None, None, state=AssessmentState.DRAFT)
    mona = app.test_client()
    login(mona, competition.mona)
    response = post_form(mona, competition.ranking_path("linje"),
                         {"line": "1", "reason": "Bare Alfa."},
                         form_page=competition.ranking_path())
    assert "Fullfør vurderingene dine først" in html_of(mona.get(response.headers["Location"]))
    _db.session.refresh(call)
    assert stored_settings(call).funding_line is None


# M3: an inhabil manager ------------------------------------------------------------------

def test_an_inhabil_manager_cannot_move_the_line_or_export(client, competition):
    call, apps = competition.call, competition.apps
    login(client, competition.lene)
    assert 'id="line-form"' in page(client, competition.ranking_path())
    declare(client, apps["D"], disqualified=True, ground="spouse")
    html = page(client, competition.ranking_path())
    assert 'id="line-form"' not in html and "Budsjettlinjen:" not in html
    response = post_form(client, competition.ranking_path("linje"),
                         {"line": "4", "reason": "Delta bør få støtte."},
                         form_page=competition.ranking_path())
    assert "En annen fondsforvalter må gjøre det." in html_of(
        client.get(response.headers["Location"]))
    _db.session.refresh(call)
    settings = stored_settings(call)
    assert settings.funding_line is None and settings.funding_line_reason == ""
    assert _db.session.scalars(select(AuditEvent).where(
        AuditEvent.action == "call.funding_line_moved")).all() == []
    for kind in EXPORTS:
        assert client.get(competition.ranking_path(f"innstilling.{kind}")).status_code == 302


def test_a_manager_inhabil_in_an_application_waiting_for_information_cannot_move_the_line(
        client, competition):
    from fund.applications.models import ApplicationState
    apps = competition.apps
    login(client, competition.lene)
    declare(client, apps["D"], disqualified=True, ground="other")
    apps["D"].state = ApplicationState.INFO_REQUESTED  # not ranked, but it will be again
    _db.session.commit()
    html = page(client, competition.ranking_path())
    assert 'id="line-form"' not in html
    response = post_form(client, competition.ranking_path("linje"),
                         {"line": "1", "reason": "Bare Alfa."},
                         form_page=competition.ranking_path())
    assert response.status_code == 302
    _db.session.refresh(competition.call)
    assert stored_settings(competition.call).funding_line is None


# Constant queries -------------------------------------------------------------------------

def test_a_blinded_and_inhabil_readers_ranking_runs_in_constant_queries(client, competition):
    from fund.applications.models import ApplicationState
    from tests.helpers import make_application
    call, apps, sara = competition.call, competition.apps, competition.sara
    assess(apps["A"], sara, 80, 100_000)
    login(client, sara)
    declare(client, apps["B"], disqualified=True, ground="party")
    path = competition.ranking_path()
    client.get(path)
    with count_queries() as few:
        client.get(path)
    for i in range(8):
        extra = make_application(call, apps["A"].organisation, apps["A"].created_by,
                                 title=f"Ekstra {i}", state=ApplicationState.SUBMITTED,
                                 case_number=f"NF-2099-{i:04d}")
        assess(extra, competition.sverre, 50 + i, 10_000)
        if i % 2:
            assess(extra, sara, 40, 10_000)
    with count_queries() as many:
        html = html_of(client.get(path))
    assert len(ranked_rows(html)) == 1 + 4 and len(re.findall("NF-2099-", html)) == 8
    assert many.count == few.count
