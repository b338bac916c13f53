"""An administrator loads a new plan period from the browser, and reads the audit log."""

import io

import yaml
from sqlalchemy import select

from fund.audit.models import AuditEvent
from fund.auth.models import Role
from fund.extensions import db as _db
from fund.plan.loader import DATA_DIR
from fund.plan.models import PlanVersion
from tests.helpers import csrf_token, login, make_user


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
    html = client.post("/plan/admin", data={"csrf_token": csrf_token(client, "/plan/admin")},
                       content_type="multipart/form-data").get_data(as_text=True)
    assert "Velg en fil." in html
    assert _db.session.scalars(select(PlanVersion.period)).all() == ["2022-2024"]
