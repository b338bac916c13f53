"""``among``: a list of ids bound as one value, on SQLite (a JSON array) and PostgreSQL (an
integer array), in the same statement for any number of ids."""

from sqlalchemy import select

from fund.auth.models import User
from fund.core.roles import Role
from fund.core.sql import among
from tests.helpers import count_queries, make_user


def test_among_finds_exactly_the_ids_given_for_any_number_of_them(db):
    users = [make_user(f"u{i}@example.no", Role.APPLICANT) for i in range(5)]
    statement = select(User.id).where(among(User.id)).order_by(User.id)
    ids = [u.id for u in users]
    sent = set()
    for chosen in ([], ids[:1], ids[1:4], ids, [*ids[:2], 10**9]):
        with count_queries() as counted:
            found = db.session.execute(statement, {"ids": chosen}).scalars().all()
        assert found == sorted(set(chosen) - {10**9})
        assert counted.count == 1
        sent.add(counted.statements[0])
    # one value, whatever the number of ids: the same SQL each time (an IN list is not)
    assert len(sent) == 1

def test_among_under_a_name_of_its_own_beside_another(db):
    users = [make_user(f"v{i}@example.no", Role.APPLICANT) for i in range(4)]
    statement = select(User.id).where(among(User.id, "some"), ~among(User.id, "not_these"))
    found = db.session.execute(statement, {"some": [u.id for u in users[:3]],
                                           "not_these": [users[0].id]}).scalars().all()
    assert sorted(found) == [users[1].id, users[2].id]


# ``collection_loader``: one application's collections, each by a plain statement ----------

def _two_applications(db):
    from fund.applications.models import ApplicationSDG, CostCategory, CostLine
    from tests.helpers import make_application, make_call, make_organisation
    user = make_user("eier@example.no", Role.APPLICANT)
    org = make_organisation(user)
    call = make_call()
    mine = make_application(call, org, user, complete=False, title="Min")
    mine.sdg_rows = [ApplicationSDG(goal=g) for g in (12, 3, 7)]
    mine.cost_lines = [CostLine(category=CostCategory.TRAVEL, amount=a) for a in (300, 100)]
    other = make_application(call, org, user, complete=False, title="Annen")
    other.sdg_rows = [ApplicationSDG(goal=5)]
    other.cost_lines = [CostLine(category=CostCategory.TRAVEL, amount=999)]
    db.session.commit()
    ids = mine.id, other.id
    db.session.expunge_all()
    return ids


def test_the_collection_loader_reads_the_applications_own_rows_in_the_relationships_order(db):
    from fund.applications.models import Application
    from fund.core.sql import collection_loader
    mine_id, _ = _two_applications(db)
    application = db.session.get(Application, mine_id)
    with count_queries() as counted:
        collection_loader(Application.sdg_rows, Application.cost_lines)(application)
    assert counted.count == 2
    with count_queries() as after:  # loaded: reading them runs nothing more
        assert [row.goal for row in application.sdg_rows] == [3, 7, 12]  # by goal
        assert [line.amount for line in application.cost_lines] == [300, 100]  # by id
    assert after.count == 0
    assert not db.session.dirty  # loaded as the database has them, not as changes


def test_one_loader_built_once_reads_each_applications_own_rows(db):
    """The loader's statements are built on first use and kept: the next application
    gets its own rows, with no statement built again."""
    from fund.applications.models import Application
    from fund.core import sql
    mine_id, other_id = _two_applications(db)
    load = sql.collection_loader(Application.sdg_rows, Application.cost_lines)
    mine, other = db.session.get(Application, mine_id), db.session.get(Application, other_id)
    load(mine)
    built = sql._collection_statement
    sql._collection_statement = None  # building again would fail
    try:
        load(other)
    finally:
        sql._collection_statement = built
    assert [row.goal for row in mine.sdg_rows] == [3, 7, 12]
    assert [row.goal for row in other.sdg_rows] == [5]
    assert [line.amount for line in other.cost_lines] == [999]


def test_a_collection_loaded_so_is_changed_and_saved_as_any_other(db):
    from fund.applications.models import Application, ApplicationSDG, CostLine
    from fund.core.sql import collection_loader
    mine_id, other_id = _two_applications(db)
    application = db.session.get(Application, mine_id)
    collection_loader(Application.sdg_rows, Application.cost_lines)(application)
    application.sdg_rows = [row for row in application.sdg_rows if row.goal != 7]
    application.sdg_rows.append(ApplicationSDG(goal=1))
    del application.cost_lines[0]  # delete-orphan: the line goes
    db.session.commit()
    db.session.expunge_all()
    goals = db.session.scalars(select(ApplicationSDG.goal).where(
        ApplicationSDG.application_id == mine_id).order_by(ApplicationSDG.goal)).all()
    assert goals == [1, 3, 12]
    amounts = db.session.scalars(select(CostLine.amount).where(
        CostLine.application_id == mine_id)).all()
    assert amounts == [100]
    # the other application's rows are untouched
    assert db.session.get(Application, other_id).cost_lines[0].amount == 999


def test_a_collection_already_loaded_and_changed_is_left_as_it_is(db):
    from fund.applications.models import Application, ApplicationSDG
    from fund.core.sql import collection_loader
    mine_id, _ = _two_applications(db)
    application = db.session.get(Application, mine_id)
    application.sdg_rows.append(ApplicationSDG(goal=17))  # loads it, then a change
    with count_queries() as counted:
        collection_loader(Application.sdg_rows)(application)
    assert counted.count == 0
    assert [row.goal for row in application.sdg_rows] == [3, 7, 12, 17]


def test_the_collection_loader_refuses_what_is_not_a_one_to_many_collection(db):
    import pytest

    from fund.applications.models import Application
    from fund.core.sql import collection_loader
    mine_id, _ = _two_applications(db)
    application = db.session.get(Application, mine_id)
    for attribute in (Application.strategies, Application.organisation):
        with pytest.raises(ValueError, match="not a one-to-many collection"):
            collection_loader(attribute)(application)
