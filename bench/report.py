"""The benchmark's table: on the terminal, in bench/RESULTS.md, and the machine's facts."""

import os
import platform
import subprocess
import sys


def machine(pg_server: str) -> dict:
    """CPU count, RAM, and the versions that matter."""
    facts = {"cpus": os.cpu_count(), "python": platform.python_version(),
             "platform": platform.platform()}
    try:
        with open("/proc/meminfo") as meminfo:
            kb = int(meminfo.readline().split()[1])
        facts["ram_gb"] = round(kb / 1024 / 1024, 1)
    except OSError:
        pass
    try:
        from sqlalchemy import create_engine, text
        engine = create_engine(pg_server)
        with engine.connect() as conn:
            facts["postgresql"] = conn.execute(text("SHOW server_version")).scalar()
        engine.dispose()
    except Exception as exc:  # noqa: BLE001 — a fact we could not read
        facts["postgresql"] = f"unavailable ({type(exc).__name__})"
    import sqlite3
    facts["sqlite"] = sqlite3.sqlite_version
    try:
        facts["wrk"] = subprocess.run(["wrk", "-v"], capture_output=True, text=True
                                      ).stdout.split("\n")[0].strip()
    except OSError:
        pass
    facts["executable"] = sys.executable
    return facts


def _target(target) -> str:
    if not target:
        return "–"
    kind, bound = target
    return {"ratio": f"≥ {bound:g} × gulv", "p50": f"p50 ≤ {bound:g} ms",
            "time": f"≤ {bound / 1000:g} s"}[kind]


def _verdict(value) -> str:
    return {True: "ok", False: "**IKKE OK**", None: "–"}[value]


def _n(value, digits=0) -> str:
    if value is None:
        return "–"
    return f"{value:.{digits}f}"


def page_line(p: dict) -> str:
    """One page as a terminal line."""
    if p.get("error"):
        return f"{p['label']:45} ERROR {p['error']} (single {p['single_ms']} ms)"
    if p.get("job"):
        return (f"{p['label']:45} job: answered {p['single_ms']:.0f} ms, file ready after "
                f"{p['max_ms']:.0f} ms  {_verdict(p.get('pass'))}")
    if "rps" not in p:
        slow = " (too slow for wrk)" if p.get("too_slow") else ""
        return (f"{p['label']:45} single {p['single_ms']:>9.1f} ms{slow}  "
                f"{_verdict(p.get('pass'))}")
    return (f"{p['label']:45} {p['rps']:>8.1f} req/s  ratio {_n(p['ratio'], 3):>6}  "
            f"p50 {_n(p['p50_ms'])} ms  p99 {_n(p['p99_ms'])} ms  single {p['single_ms']} ms  "
            f"err {p['errors']}/{p['non_2xx']}  {_verdict(p.get('pass'))}")


def _page_rows(run: dict) -> list[str]:
    rows = ["| side | req/s | gulv req/s | forhold | p50 ms | p99 ms | én forespørsel ms | "
            "feil / ikke-2xx | mål | |", "|---|---|---|---|---|---|---|---|---|---|"]
    for p in run.get("pages", []):
        if "rps" in p:
            rows.append(f"| {p['label']} | {p['rps']:.1f} | {p['floor_rps']:.0f} | "
                        f"**{_n(p['ratio'], 3)}** | {_n(p['p50_ms'])} | {_n(p['p99_ms'])} | "
                        f"{p['single_ms']:.0f} | {p['errors']} / {p['non_2xx']}"
                        f"{' (c=' + str(p['connections']) + ')' if p['connections'] != 16 else ''}"
                        f" | {_target(p['target'])} | {_verdict(p['pass'])} |")
        else:
            slow = "for treg for wrk" if p.get("too_slow") else ""
            rows.append(f"| {p['label']} | – | – | – | – | – | {p['single_ms']:.0f} | "
                        f"{p.get('error', slow)} | {_target(p['target'])} | "
                        f"{_verdict(p['pass'])} |")
    for p in run.get("pdfs", []):
        # an export made in the background: the press answers, the file is ready later
        most = "fil klar etter" if p.get("job") else "maks"
        rows.append(f"| {p['label']} | – | – | – | – | – | {p['single_ms']:.0f} "
                    f"({most} {p['max_ms']:.0f}) | {p.get('error', '0')} | "
                    f"{_target(p['target'])} | {_verdict(p['pass'])} |")
    return rows


def _rush_rows(rush: dict) -> list[str]:
    if rush.get("failed"):
        return [f"Innsendingsrush: feilet: {rush['failed']}"]
    return [
        f"Innsendingsrush: {rush['drafts']} utkast, {rush['clients']} klienter, ankomster "
        f"spredt over {rush['window_s']:g} s før fristen, forsøk til {rush['grace_s']:g} s "
        "etter.", "",
        "| | |", "|---|---|",
        f"| godtatt før fristen (klient så kvittering) | {rush['accepted']} |",
        f"| avvist etter fristen (utkastet beholdt) | {rush['refused']} "
        f"({rush['refused_still_draft']} fortsatt utkast) |",
        f"| sendt før fristen, men ikke godtatt | {rush['refused_before_deadline']} |",
        f"| tapt (kvittering uten innsendt rad) | {rush['lost']} |",
        f"| duplikater (saksnummer / innsendinger) | {rush['duplicate_case_numbers']} / "
        f"{rush['duplicate_submissions']} |",
        f"| innsendt i databasen / etter fristen | {rush['db_submitted']} / "
        f"{rush['db_submitted_after_deadline']} |",
        f"| HTTP 5xx / nettverksfeil (forsøkt på nytt) | {rush['http_5xx']} / "
        f"{rush['network_errors']} |",
        f"| POST p50 / p99 (godtatte) | {_n(rush['post_p50_ms'])} / "
        f"{_n(rush['post_p99_ms'])} ms (mål p99 ≤ 1000 ms: "
        f"{_verdict(rush['pass_p99'])}) |",
        f"| godtatt per sekund i vinduet | {rush['accepted_per_s']:.1f} |",
        f"| innlogging av alle på forhånd | {rush['login_s']:.0f} s |",
        f"| grunner til avvisning (flest) | "
        f"{'; '.join(f'{k}: {v}' for k, v in rush.get('refusal_reasons', {}).items()) or '–'} |",
    ]


def markdown(results: dict) -> str:
    m = results["machine"]
    s = results["settings"]
    lines = [
        "# Ytelsesmåling (`make bench`, sak 14)", "",
        f"Kjørt {results['started']}, {results['wall_s']} s i alt. "
        "Generert av `bench/run.py`; tallene er et utgangspunkt, maskinen er delt.", "",
        f"- Maskin: {m.get('cpus')} CPU-er, {m.get('ram_gb')} GB RAM, {m.get('platform')}",
        f"- PostgreSQL {m.get('postgresql')}, SQLite {m.get('sqlite')}, "
        f"Python {m.get('python')}, {m.get('wrk', 'wrk')}",
        f"- gunicorn med 2 synkrone arbeidere (app og gulv), wrk med 16 forbindelser og "
        f"2 tråder, {s['duration_s']:g} s per kjøring, {s['rounds']} runde(r) per side; hver "
        "kjøring av en side står mellom to kjøringer av gulvet, og forholdet er mot "
        "medianen av dem. En side der én forespørsel tar over 2 s, kjøres med 2 "
        "forbindelser (c=2) og lenger; over 5 s måles den bare med enkeltforespørsler "
        "(«for treg for wrk»; et forholdsmål regnes da som ikke nådd).",
        "- Gulvet (`bench/floor.py`): Flask + Flask-SQLAlchemy + Jinja, 50 søknader med "
        "organisasjon, nøkkelsidedelt.",
        "- «én forespørsel»: median av enkeltforespørsler etter hverandre på ledig tjener "
        "(tjenestetiden); p50-mål leses av den, p50/p99 under last inkluderer kø.",
        "",
    ]
    if s.get("database_url_ignored"):
        lines += ["`DATABASE_URL` var satt og ble ikke brukt.", ""]
    for run in results["runs"]:
        title = f"## {run['database']}, {run['size']:,} søknader".replace(",", " ")
        lines += [title, ""]
        if run.get("failed"):
            lines += [f"**Feilet:** {run['failed']}", ""]
        if "generate_s" in run:
            lines += [f"Migrering og plan {run['migrate_s']} s, generering "
                      f"{run['generate_s']} s.", ""]
        lines += _page_rows(run)
        if "rss_mb" in run:
            rss = run["rss_mb"]
            ok = bool(rss) and max(rss) <= 200
            lines += ["", f"Arbeidernes minne etter lasten: {', '.join(map(str, rss))} MB RSS "
                      f"(mål ≤ 200 MB: {_verdict(ok)})"
                      + (f"; etter PDF-ene: {', '.join(map(str, run['rss_after_pdfs_mb']))} MB."
                         if run.get("rss_after_pdfs_mb") else ".")]
        coverage = next((p for p in run.get("pages", []) if p["key"] == "coverage"), None)
        if coverage and coverage.get("bare_sql_ms"):
            lines += [f"Dekningsrapportens rene aggregat-SQL: {coverage['bare_sql_ms']} ms "
                      f"(mål: siden ≤ 3 × den)."]
        if run.get("rush"):
            lines += [""] + _rush_rows(run["rush"])
        for note in run.get("notes", []):
            lines += [f"- Merk: {note}"]
        lines.append("")
    return "\n".join(lines) + "\n"
