"""`raak worker`: runs background jobs (uploads, exports) from the shared Redis queue, on any machine."""

from __future__ import annotations

import click

from etl.store.config import get_settings
from etl.store.issues import UserError


def _redis_url() -> str:
    redis_url = get_settings().redis_url
    if not redis_url:
        raise UserError(
            "raak worker needs REDIS_URL (the shared queue); without it the web process runs background jobs itself"
        )
    return redis_url


def run_worker(burst: bool = False) -> bool:
    """Take tasks from the upload queue first, then the export queue; with `burst`, stop once both are empty."""
    redis_url = _redis_url()
    from redis import Redis
    from rq import Queue, Worker

    from dashboard.web import jobs  # the tasks load before the first job, so each forked work horse starts warm

    connection = Redis.from_url(redis_url)
    queues = [Queue(name, connection=connection) for name in jobs.queue_names()]
    return Worker(queues, connection=connection).work(burst=burst, with_scheduler=False)


@click.command("worker")
@click.option("--burst", is_flag=True, help="Stop when the queues are empty instead of waiting for more work.")
def worker(burst: bool) -> None:
    """Run uploads and exports queued by the web processes (needs REDIS_URL); start one or more per machine."""
    from dashboard.web.jobs import queue_names

    _redis_url()
    click.echo(f"RAAK worker on queues {', '.join(queue_names())} (Ctrl+C stops it)")
    run_worker(burst)
