"""The difference between two submissions is a pure function of their snapshots."""

import copy

import pytest

from fund.applications.diff import changes

BEFORE = {
    "case_number": "NF-2027-0001", "submission_number": 1, "submitted_at": "2027-01-05",
    "project_leader": "Kari",
    "project": {"title": "Varmepumpe", "starts_on": "2027-03-01", "not_started": True},
    "budget": {"amount_applied": 150_000,
               "cost_lines": [{"category": "services", "description": "Konsulent",
                               "amount": 300_000}]},
    "strategies": [{"code": "1B", "title": "Innovasjon"}],
    "measures": [{"code": "1B-2", "text": "…", "how": "Slik."}],
    "attachments": [{"filename": "a.pdf", "sha256": "1" * 64}],
}


@pytest.mark.parametrize("change, expected", [
    (lambda s: s["project"].update(title="Ny tittel"),
     [("Prosjekttittel", "Varmepumpe", "Ny tittel")]),
    (lambda s: s["project"].update(not_started=False),
     [("Prosjektet er ikke startet", "Ja", "Nei")]),
    (lambda s: s["project"].update(starts_on="2027-04-01"),
     [("Prosjektet starter", "1. mars 2027", "1. april 2027")]),
    (lambda s: s["budget"]["cost_lines"].append(
        {"category": "travel", "description": "Fly", "amount": 5_000}),
     [("Kostnadslinje 2", "", "Reiser, Fly: kr 5 000")]),
    (lambda s: s["attachments"].clear(), [("Vedlegg fjernet", "a.pdf (111111111111)", "")]),
    (lambda s: s["strategies"].append({"code": "2C", "title": "Klynger"}),
     [("Strategi lagt til", "", "2C Klynger")]),
    (lambda s: s["measures"][0].update(how="Annerledes."),
     [("Tiltak 1B-2: slik bidrar prosjektet", "Slik.", "Annerledes.")]),
    (lambda s: s.update(submission_number=2, submitted_at="2027-02-01"), []),
    (lambda s: s.update(new_part={"x": 1}), [("new_part", "", '{"x": 1}')]),
])
def test_each_kind_of_change_is_one_row(app, change, expected):
    after = copy.deepcopy(BEFORE)
    change(after)
    with app.test_request_context():
        found = [(c.label, c.old.replace("\xa0", " "), c.new.replace("\xa0", " "))
                 for c in changes(BEFORE, after)]
    assert found == expected
