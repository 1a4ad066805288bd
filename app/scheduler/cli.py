"""`flask scheduler` (production) and `flask serve` (one process: web and scheduler)."""
from __future__ import annotations

import os

import click
from flask import current_app
from flask.cli import with_appcontext
from werkzeug.serving import run_simple

from app.scheduler.runner import SchedulerAlreadyRunning, acquire_lock, build_scheduler


@click.command("scheduler")
@with_appcontext
def scheduler_command() -> None:
    """Run the background jobs in this process, until stopped (one per installation)."""
    app = current_app._get_current_object()  # type: ignore[attr-defined]
    try:
        lock = acquire_lock(app.instance_path)
    except SchedulerAlreadyRunning:
        raise click.ClickException("another scheduler is already running for this instance") from None
    click.echo("Scheduler running; stop with Ctrl-C.")
    try:
        build_scheduler(app, blocking=True).start()
    except (KeyboardInterrupt, SystemExit):
        pass
    finally:
        lock.close()


@click.command("serve")
@with_appcontext
@click.option("--host", default=lambda: os.environ.get("HOST", "127.0.0.1"), show_default="$HOST or 127.0.0.1")
@click.option("--port", type=int, default=lambda: int(os.environ.get("PORT", "5000")), show_default="$PORT or 5000")
@click.option("--no-scheduler", is_flag=True, help="Do not run the background jobs in this process.")
def serve_command(host: str, port: int, no_scheduler: bool) -> None:
    """Serve the app with the built-in server and the scheduler in the same process (for `make run`)."""
    app = current_app._get_current_object()  # type: ignore[attr-defined]
    scheduler = None
    if not no_scheduler:
        try:
            lock = acquire_lock(app.instance_path)
        except SchedulerAlreadyRunning:
            click.echo("A scheduler already runs for this instance; serving without one.", err=True)
        else:
            scheduler = build_scheduler(app, blocking=False)
            scheduler.start()
    click.echo(f"Koers is serving on http://{host}:{port}/")
    try:
        run_simple(host, port, app, threaded=True, use_reloader=False, use_debugger=False)
    finally:
        if scheduler is not None:
            scheduler.shutdown(wait=False)
            lock.close()
