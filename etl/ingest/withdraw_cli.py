"""`raak withdraw`: withdraw a municipality's return in a round (NJi, from the command line), audited."""

from __future__ import annotations

import click


@click.command("withdraw")
@click.option("--round", "round_label", required=True, help="Round label, e.g. 2011.")
@click.option("--municipality", required=True, help="Municipality code, e.g. GM0363.")
@click.option("--reason", required=True, help="Why the return is withdrawn (kept in the audit log).")
def withdraw(round_label: str, municipality: str, reason: str) -> None:
    """Withdraw the current return of MUNICIPALITY in ROUND: its statuses stop counting; nothing is deleted."""
    from etl.ingest.withdraw import withdraw_return
    from etl.store.audit import cli_actor

    done = withdraw_return(None, round_label, municipality, actor=cli_actor(), reason=reason)
    click.echo(
        f"Withdrew the return of {done.municipality_code} in round {done.round_label} "
        f"(submission {done.submission_id}, {done.n_assessments} statuses no longer count)."
    )
