"""The audit log as an administrator reads it: what an entry is about and its details in
plain words, never Python's reprs."""

from fund.audit.operations import record
from fund.core.roles import Role
from fund.extensions import db as _db
from tests.helpers import html_of, login, make_user


def test_details_read_as_plain_values_and_objects_by_their_kind(client, db):
    admin = make_user("admin@example.no", Role.ADMIN)
    record("review.conflict_declared", admin, actor=admin, disqualified=False, ground=None,
           criteria=[{"title": "Innovasjon", "required": True, "allow_na": False}])
    _db.session.commit()
    login(client, admin)
    html = html_of(client.get("/admin/logg/"))
    row = html[html.index("review.conflict_declared"):]
    row = row[:row.index("</tr>")]
    assert f"Bruker {admin.id}" in row
    start = html.rindex("<tr>", 0, html.index("review.conflict_declared"))
    assert "Habilitet erklært" in html[start:html.index("</tr>", start)]  # its name first
    assert "disqualified: nei" in row and "ground: –" in row
    assert "criteria: title: Innovasjon, required: ja, allow_na: nei" in row
    for repr_text in ("None", "False", "True", "{'", "[{"):
        assert repr_text not in row
