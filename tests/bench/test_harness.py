"""The benchmark (bench/, issue 14) touches only databases it made itself.

Cheap: no wrk and no data. The end-to-end run (``bench/run.py --quick``) is the last
test, skipped without wrk or unless BENCH_E2E is set.
"""

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from bench import dbs, run, wrk

ROOT = Path(__file__).resolve().parents[2]
FOREIGN = "postgresql+psycopg://postgres@127.0.0.1:5432/someone_elses"


def test_it_refuses_to_drop_a_database_it_did_not_create(tmp_path):
    databases = dbs.Databases(pg_server="postgresql+psycopg://postgres@127.0.0.1:1/postgres")
    foreign_file = tmp_path / "app.sqlite"
    foreign_file.write_text("data")
    for url in (FOREIGN, "postgresql+psycopg://postgres@127.0.0.1:1/bench_0123456789ab",
                f"sqlite:///{foreign_file}"):
        with pytest.raises(ValueError, match="not created by the benchmark"):
            databases.drop(url)
    assert foreign_file.read_text() == "data"
    assert databases.drop_all() == []


def test_a_sqlite_database_is_a_folder_of_its_own_and_goes_away(tmp_path):
    databases = dbs.Databases()
    url = databases.sqlite()
    folder = Path(make_url(url).database).parent
    assert folder.is_dir() and folder.name.startswith("bench_sqlite_")
    (folder / "bench.sqlite").write_text("")
    databases.drop_all()
    assert not folder.exists()


def test_it_keeps_what_it_made_with_keep():
    databases = dbs.Databases(keep=True)
    url = databases.sqlite()
    folder = Path(make_url(url).database).parent
    try:
        assert databases.drop_all() == [str(folder)]
        assert folder.exists()
    finally:
        shutil.rmtree(folder)


def test_database_url_does_not_reach_the_app(monkeypatch, tmp_path):
    monkeypatch.setenv("DATABASE_URL", FOREIGN)
    assert dbs.foreign_database_url() == FOREIGN
    env = run.app_env("sqlite:////tmp/bench_x/bench.sqlite", tmp_path)
    assert env["DATABASE_URL"] == "sqlite:////tmp/bench_x/bench.sqlite"
    assert "DATABASE_URL" not in dbs.clean_environment({"DATABASE_URL": FOREIGN, "A": "b"})


def _server_reachable(server: str) -> bool:
    try:
        engine = create_engine(server)
        with engine.connect():
            pass
        engine.dispose()
        return True
    except Exception:
        return False


@pytest.mark.skipif(not (os.environ.get("DATABASE_URL") or "").startswith("postgresql"),
                    reason="PostgreSQL only (DATABASE_URL)")
def test_on_postgresql_it_drops_only_the_database_it_created():
    """The test database (DATABASE_URL's) stays; the benchmark's own goes."""
    mine = make_url(os.environ["DATABASE_URL"])
    server = mine.set(database="postgres").render_as_string(hide_password=False)
    if not _server_reachable(server):
        pytest.skip("no maintenance database")
    databases = dbs.Databases(pg_server=server)
    url = databases.new("postgresql")
    name = make_url(url).database
    assert dbs.NAME.fullmatch(name)

    def names():
        engine = create_engine(server)
        with engine.connect() as conn:
            found = set(conn.execute(text("SELECT datname FROM pg_database")).scalars())
        engine.dispose()
        return found

    assert {name, mine.database} <= names()
    with pytest.raises(ValueError):
        databases.drop(mine.render_as_string(hide_password=False))
    assert databases.drop_all() == []
    left = names()
    assert name not in left and mine.database in left


def test_wrk_output_is_read():
    output = """Running 5s test @ http://127.0.0.1:8371/
  2 threads and 16 connections
  Latency Distribution
     50%   54.10ms
     75%   60.00ms
     90%   70.00ms
     99%    1.20s
  1530 requests in 5.01s, 20.00MB read
  Socket errors: connect 0, read 1, write 0, timeout 2
  Non-2xx or 3xx responses: 4
Requests/sec:    305.39
"""
    result = wrk.parse(output)
    assert (result.requests_per_s, result.p50_ms, result.p99_ms) == (305.39, 54.1, 1200.0)
    assert (result.requests, result.errors, result.non_2xx) == (1530, 3, 4)


def test_targets_are_read():
    targets = run.parse_targets("pg:100000, sqlite:1500:rush")
    assert [(t.kind, t.size, t.rush) for t in targets] == [
        ("postgresql", 100000, False), ("sqlite", 1500, True)]


@pytest.mark.skipif(shutil.which("wrk") is None, reason="wrk is missing")
@pytest.mark.skipif(not os.environ.get("BENCH_E2E"),
                    reason="end to end: set BENCH_E2E=1 (about a minute)")
def test_quick_run_end_to_end(tmp_path):
    """``bench/run.py --quick`` on SQLite: serves, loads, writes the results, and leaves
    no database behind; a DATABASE_URL in the environment is ignored."""
    env = {**os.environ, "DATABASE_URL": FOREIGN, "BENCH_SIZES": "sqlite:60:rush"}
    done = subprocess.run([sys.executable, "-m", "bench.run", "--quick", "--out",
                           str(tmp_path)], cwd=ROOT, env=env, capture_output=True, text=True,
                          timeout=300)
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    assert "DATABASE_URL is set and ignored" in done.stdout
    results = json.loads((tmp_path / "results.json").read_text())
    [target] = results["runs"]
    assert not target.get("failed"), target.get("failed")
    assert all(not page.get("error") for page in target["pages"] + target["pdfs"])
    assert all(page["rps"] > 0 for page in target["pages"])
    assert (tmp_path / "RESULTS.md").read_text().startswith("# Ytelsesmåling")
