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
