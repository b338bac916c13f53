"""Stored files follow the database transaction: written under a pending name, moved
into place after the commit, gone when the transaction does not commit; a full disk
leaves nothing half-written; ``flask files reconcile`` finishes what a crash left."""

import os
import stat
import time

import pytest

from fund.applications.models import Attachment
from fund.core import files
from fund.core.pdf import read_document, remove_document, store_document
from fund.extensions import db as _db
from tests.helpers import (
    FullDisk,
    attach,
    make_application,
    make_call,
    make_organisation,
    make_user,
)


@pytest.fixture
def instance(app, db, tmp_path, monkeypatch):
    monkeypatch.setattr(app, "instance_path", str(tmp_path))
    return tmp_path


def listing(folder) -> list[str]:
    return sorted(os.listdir(folder)) if folder.exists() else []


def test_a_file_is_pending_until_the_commit_then_in_place(instance):
    folder = instance / "letters"
    name, digest = store_document(b"%PDF brev")
    assert listing(folder) == [f".pending-{name}"]  # not under its own name yet
    assert read_document(name) == b"%PDF brev"  # the same request can read it
    _db.session.commit()
    assert listing(folder) == [name]
    assert (folder / name).read_bytes() == b"%PDF brev"
    assert stat.S_IMODE((folder / name).stat().st_mode) == 0o600
    assert len(digest) == 64


def test_a_rollback_removes_the_files_it_wrote(instance):
    name, _ = store_document(b"%PDF brev")
    _db.session.rollback()
    assert listing(instance / "letters") == []
    with pytest.raises(FileNotFoundError):
        read_document(name)


def test_a_session_closed_without_commit_removes_its_files(instance):
    store_document(b"%PDF brev")
    _db.session.close()
    assert listing(instance / "letters") == []


def test_a_commit_that_fails_removes_its_files(instance):
    user = make_user("kari@example.no")
    application = make_application(make_call(), make_organisation(user), user)
    _db.session.commit()
    taken = attach(application, user)
    _db.session.commit()
    name, _ = store_document(b"%PDF brev")
    # a second row with the same stored name: the commit fails at the database
    application.attachments.append(Attachment(
        filename="x.pdf", stored_name=taken.stored_name, content_type="application/pdf",
        size=1, sha256="0" * 64, uploaded_by_id=user.id))
    with pytest.raises(Exception):  # noqa: B017 - IntegrityError, either database
        _db.session.commit()
    _db.session.rollback()
    assert listing(instance / "letters") == []


def test_a_removal_happens_only_when_it_commits(instance):
    name, _ = store_document(b"%PDF brev")
    _db.session.commit()
    remove_document(name)
    _db.session.rollback()
    assert listing(instance / "letters") == [name]  # the rollback keeps it
    remove_document(name)
    assert listing(instance / "letters") == [name]
    _db.session.commit()
    assert listing(instance / "letters") == []


def test_a_file_written_and_removed_in_one_transaction_goes_at_once(instance):
    name, _ = store_document(b"%PDF brev")
    remove_document(name)
    assert listing(instance / "letters") == []
    _db.session.commit()
    assert listing(instance / "letters") == []


# -- The disk full ---------------------------------------------------------------------------

def test_the_disk_full_while_writing_leaves_no_file(instance, monkeypatch):
    monkeypatch.setattr(files, "os", FullDisk(room=4).module)
    with pytest.raises(OSError) as caught:
        store_document(b"%PDF brev som ikke far plass")
    assert files.is_disk_full(caught.value)
    assert listing(instance / "letters") == []
    _db.session.commit()
    assert listing(instance / "letters") == []


def test_the_disk_full_at_fsync_leaves_no_file(instance, monkeypatch):
    monkeypatch.setattr(files, "os", FullDisk(room=10_000, fsync_fails=True).module)
    with pytest.raises(OSError):
        store_document(b"%PDF brev")
    assert listing(instance / "letters") == []


def test_a_move_that_fails_after_the_commit_keeps_the_file_readable_and_reconcile_ends_it(
        instance, monkeypatch):
    """The row is committed; the file is complete under its pending name. It is read
    from there, and reconcile moves it into place."""
    monkeypatch.setattr(files, "os", FullDisk(room=10_000, replace_fails=True).module)
    name, _ = store_document(b"%PDF brev")
    _db.session.commit()  # no error escapes the commit
    monkeypatch.setattr(files, "os", os)
    assert listing(instance / "letters") == [f".pending-{name}"]
    assert read_document(name) == b"%PDF brev"
    result = files.reconcile(references={"letters": {name}})
    assert result.moved == [f"letters/{name}"]
    assert listing(instance / "letters") == [name]


# -- Reconciling after a crash ------------------------------------------------------------------

def crashed_pending(folder, name: str, data: bytes, age: float = 0) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f".pending-{name}"
    path.write_bytes(data)
    if age:
        then = time.time() - age
        os.utime(path, (then, then))


def test_reconcile_moves_referenced_pending_files_and_removes_old_orphans(instance, runner):
    user = make_user("kari@example.no")
    application = make_application(make_call(), make_organisation(user), user)
    committed = attach(application, user)
    _db.session.commit()
    uploads = instance / "uploads"
    # the crash: committed, not yet moved
    os.replace(uploads / committed.stored_name, uploads / f".pending-{committed.stored_name}")
    crashed_pending(uploads, "a" * 32, b"never committed", age=2 * 3600)
    crashed_pending(uploads, "b" * 32, b"being written now")
    lost = attach(application, user)
    (uploads / lost.stored_name).unlink()
    _db.session.commit()

    result = runner.invoke(args=["files", "reconcile"])
    assert result.exit_code == 1, result.output  # a file is missing
    assert f"Flyttet på plass: uploads/{committed.stored_name}" in result.output
    assert f"Fjernet (ventende, uten rad): uploads/{'a' * 32}" in result.output
    assert f"MANGLER: uploads/{lost.stored_name}" in result.output
    assert listing(uploads) == sorted([committed.stored_name, f".pending-{'b' * 32}"])
    assert (uploads / committed.stored_name).read_bytes().startswith(b"%PDF")

    again = runner.invoke(args=["files", "reconcile"])  # idempotent
    assert "0 flyttet, 0 fjernet, 1 mangler." in again.output
    assert listing(uploads) == sorted([committed.stored_name, f".pending-{'b' * 32}"])


def test_reconcile_with_nothing_to_do_succeeds(instance, runner):
    result = runner.invoke(args=["files", "reconcile"])
    assert result.exit_code == 0, result.output
    assert "0 flyttet, 0 fjernet, 0 mangler." in result.output


def test_every_table_naming_a_stored_file_is_known_to_reconcile(app):
    """A new table with a stored name must tell reconcile, or its files would be
    removed as orphans when pending."""
    from fund.extensions import db
    naming = sorted(f"{table.name}.{column.name}" for table in db.metadata.sorted_tables
                    for column in table.columns if column.name.endswith("stored_name"))
    assert naming == ["attachments.stored_name", "export_jobs.stored_name",
                      "grant_documents.stored_name", "innstillinger.stored_name",
                      "letters.stored_name", "recoveries.notice_stored_name"]
    assert sorted(files._REFERENCES) == ["exports", "grant_documents", "letters", "uploads"]
    assert len(files._REFERENCES["letters"]) == 3
