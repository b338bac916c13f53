"""The migrations build exactly the schema the models describe.

The test database is made by the real Alembic migrations (conftest.py); here Alembic's
autogenerate compares it with the models' metadata. Any difference is a migration someone
forgot to write, or wrote by hand differently from the model.
"""

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from fund.extensions import db as _db

#: What the models do not describe and the migrations add on purpose. Alembic does not
#: compare CHECK constraints or triggers (the audit log's append-only triggers), so those
#: need no entry; tests/core/test_app.py checks the triggers.
IGNORED_TABLES = {
    "alembic_version",  # Alembic's own bookkeeping
}
#: Indexes on an expression (PostgreSQL only), as migrations/env.py: PostgreSQL gives back
#: its own rewording of the expression. tests/review/test_queue_pages.py
#: (``test_a_page_of_the_dashboard_is_read_from_its_index_in_order``) checks that the
#: migration made it and that the query's expression is the index's.
IGNORED_INDEXES = {"ix_applications_dashboard"}


def _include_object(obj, name, kind, reflected, compare_to):
    if kind == "table" and name in IGNORED_TABLES:
        return False
    return not (kind == "index" and name in IGNORED_INDEXES)


def differences(connection) -> list:
    context = MigrationContext.configure(connection, opts={
        "compare_type": True,
        # Not compared: server defaults. The models set defaults in Python (default=...);
        # migrations that add a NOT NULL column to a table with rows give it a server
        # default for those rows (calls.score_aggregate, memberships.responsible, ...).
        # Not compared: server defaults. The models set defaults in Python (default=...);
        # migrations that add a NOT NULL column to a table with rows give it a server
        # default for those rows (calls.score_aggregate, memberships.responsible, ...).
        "compare_server_default": False,
        "include_object": _include_object,
        "render_as_batch": True,
    })
    return compare_metadata(context, _db.metadata)


# SQLite has no index on an expression (PostgreSQL only): Alembic says it skips it
@pytest.mark.filterwarnings("ignore:autogenerate skipping metadata-specified expression")
def test_the_migrations_give_the_models_schema(app):
    with app.app_context(), _db.engine.connect() as connection:
        found = differences(connection)
    assert found == [], "\n".join(map(str, found))


def test_calls_and_plans_that_existed_before_drafts_stay_published(tmp_path):
    """The draft state's migration (a1d4e7f20b11) publishes the calls and plans that were
    public already, as of when each was made."""
    from flask_migrate import downgrade, upgrade
    from sqlalchemy import text

    from fund import create_app
    app = create_app({"TESTING": True, "SECRET_KEY": "x",
                      "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'old.db'}"})
    with app.app_context():
        upgrade(revision="6f2b8d3c1a50")
        with _db.engine.begin() as conn:
            conn.execute(text(
                "INSERT INTO plan_versions (id, period, title, loaded_at) "
                "VALUES (1, '2022-2024', 'Plan', '2026-01-01 10:00:00.000000')"))
            conn.execute(text(
                "INSERT INTO calls (id, fund, year, title, description, opens_at, closes_at, "
                "budget, max_grant, max_share_percent, plan_id, created_at, appeal_reserve) "
                "VALUES (1, 'naeringsfond', 2027, 'Gammel', '', '2026-01-01 10:00:00.000000', "
                "'2026-02-01 10:00:00.000000', 1, 1, 50, 1, '2026-01-02 11:00:00.000000', 0)"))
        upgrade()
        with _db.engine.connect() as conn:
            assert conn.execute(text("SELECT published_at FROM calls")).scalar_one() \
                == "2026-01-02 11:00:00.000000"
            assert conn.execute(text("SELECT published_at FROM plan_versions")).scalar_one() \
                == "2026-01-01 10:00:00.000000"
        downgrade(revision="6f2b8d3c1a50")
        _db.engine.dispose()
