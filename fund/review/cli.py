"""The innstilling's long exports from the command line (cron, or a restarted worker)."""

import click
from flask import current_app
from flask.cli import AppGroup

from fund.review.exports import purge_old, run_due, run_job

exports_cli = AppGroup("exports", help="Eksporter av innstillingen som lages i bakgrunnen.")


@exports_cli.command("run")
@click.option("--job", "job_id", type=int, default=None,
              help="Bare denne jobben (slik arbeideren starter den).")
def run_command(job_id):
    """Make the queued exports, and those left running by a worker that went away, then
    remove old ones (run from cron every few minutes)."""
    if job_id is not None:
        job = run_job(job_id)
        if job is None:
            click.echo(f"Jobb {job_id} venter ikke.")
            return
        click.echo(f"Jobb {job.id}: {job.state.value}")
        return
    done, failed = run_due()
    click.echo(f"Ferdige: {done}, feilet: {failed}, slettet (eldre enn "
               f"{current_app.config['EXPORT_KEEP'].days} dager): {purge_old()}")
