"""The migrations build exactly the schema the models describe.

The test database is made by the real Alembic migrations (conftest.py); here Alembic's
autogenerate compares it with the models' metadata. Any difference is a migration someone
forgot to write, or wrote by hand differently from the model.
"""

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from fund.extensions import db as _db

#: What the models do not describe and the migrations add on purpose. Alembic does not
#: compare CHECK constraints or triggers (the audit log's append-only triggers), so those
#: need no entry; tests/core/test_app.py checks the triggers.
IGNORED_TABLES = {
    "alembic_version",  # Alembic's own bookkeeping
}


def _include_object(obj, name, kind, reflected, compare_to):
    if kind == "table" and name in IGNORED_TABLES:
        return False
    return True


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


def test_the_migrations_give_the_models_schema(app):
    with app.app_context(), _db.engine.connect() as connection:
        found = differences(connection)
    assert found == [], "\n".join(map(str, found))
