"""A manager who is inhabil in a grant does not see it in the register pages either: not
in the Støtteregisteret list, the export they make, an export's file, or the counts on
the call page. Another manager reports it.

From tests/grants/test_registers.py: A (Alfa AS) and B (Beta AS) are de minimis grants
decided on 10 May 2027 and due for the register on 8 June; Mona is inhabil in B."""

import pytest
from sqlalchemy import select

from fund.grants.models import RegisterExport
from tests.grants.test_registers import EXPORT, PAGE, clock, registers  # noqa: F401
from tests.helpers import login, post_form


def test_an_inhabil_manager_neither_sees_nor_exports_the_grant(registers, clock, app,  # noqa: F811
                                                               client, db):
    cases = {key: registers.apps[key].case_number for key in ("A", "B")}
    login(client, registers.mona)
    page = client.get(PAGE).text
    assert "Alfa AS" in page and cases["A"] in page
    assert "Beta AS" not in page and cases["B"] not in page
    assert "1 tilskudd er ikke vist fordi du er inhabil" in page.replace("\xa0", " ")
    confirm = client.get(EXPORT).text
    assert "1 tilskudd" in confirm and "Beta AS" not in confirm and cases["B"] not in confirm

    assert post_form(client, EXPORT, {}).status_code == 302
    export = db.session.execute(select(RegisterExport)).scalar_one()
    assert export.rows == 1 and [i.decision.application_id for i in export.items] == \
        [registers.apps["A"].id]
    download = client.get(f"/tilskudd/registre/eksporter/{export.id}.csv")
    assert download.status_code == 200 and b"Beta AS" not in download.data

    # B is left for another manager, whose export Mona cannot open.
    lene = app.test_client()
    login(lene, registers.lene)
    assert "Beta AS" in lene.get(PAGE).text
    assert post_form(lene, EXPORT, {}).status_code == 302
    [later] = [e for e in db.session.execute(select(RegisterExport)).scalars() if e != export]
    assert [i.decision.application_id for i in later.items] == [registers.apps["B"].id]
    assert lene.get(f"/tilskudd/registre/eksporter/{later.id}.csv").status_code == 200
    assert client.get(f"/tilskudd/registre/eksporter/{later.id}.csv").status_code == 404
    assert post_form(client, f"/tilskudd/registre/eksporter/{later.id}/referanse",
                     {"reference": "Mona sin"}, form_page=PAGE).status_code == 404
    db.session.expire_all()
    assert later.reference == ""
    assert "Beta AS" not in client.get(PAGE).text


@pytest.mark.parametrize("who", ["mona", "lene"])
def test_the_call_panel_counts_only_what_the_manager_may_see(registers, clock, client,  # noqa: F811
                                                             who):
    from fund.grants import queries
    from fund.review.queries import hidden_application_ids
    user = getattr(registers, who)
    counts = queries.register_counts(
        clock_today(), 0, 20, hidden=hidden_application_ids(user))
    assert counts["due"] == (1 if who == "mona" else 2)


def clock_today():
    from datetime import date
    return date(2027, 5, 20)
