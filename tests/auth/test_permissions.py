"""Who is responsible for an organisation, as pure predicates (no database)."""

from types import SimpleNamespace

from fund.auth.permissions import can_remove_member, is_responsible

ANNE = SimpleNamespace(id=1, is_authenticated=True)
BJORN = SimpleNamespace(id=2, is_authenticated=True)
ANONYMOUS = SimpleNamespace(id=None, is_authenticated=False)


def organisation(*memberships):
    return SimpleNamespace(memberships=[SimpleNamespace(user_id=u, responsible=r)
                                        for u, r in memberships])


def test_only_a_responsible_member_is_responsible():
    both = organisation((ANNE.id, True), (BJORN.id, False))
    assert is_responsible(ANNE, both) and not is_responsible(BJORN, both)
    assert not is_responsible(ANONYMOUS, both)
    assert not is_responsible(BJORN, organisation((ANNE.id, True)))  # not a member at all


def test_a_plain_member_may_leave_but_not_remove_others():
    both = organisation((ANNE.id, True), (BJORN.id, False))
    assert can_remove_member(BJORN, both, BJORN) and not can_remove_member(BJORN, both, ANNE)
    assert can_remove_member(ANNE, both, BJORN)
