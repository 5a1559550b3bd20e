"""`raak demo` serves the development server and prints every role's password: it refuses an address beyond this
computer (one line in Dutch and English, exit 2, nothing built or printed) unless `--allow-remote` is given."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from dashboard.cli import USAGE_ERROR_EXIT, main

POSTGRES_ELSEWHERE = "postgresql://raak@db.invalid/raak"  # demo refuses it after the host check: nothing is built


@pytest.mark.parametrize("host", ["0.0.0.0", "::", "192.168.1.20", "[2001:db8::1]", "raak.example.nl"])
def test_demo_refuses_a_host_beyond_this_computer(host: str, isolated_instance: Path) -> None:
    result = CliRunner().invoke(main, ["demo", "--host", host, "--no-serve"])  # a regression never starts a server
    assert result.exit_code == USAGE_ERROR_EXIT, result.output
    lines = result.output.strip().splitlines()
    assert len(lines) == 1 and "Traceback" not in result.output
    assert "--allow-remote" in lines[0]
    assert "listens on this computer only" in lines[0] and "alleen op deze computer" in lines[0]
    assert "@demo.raak" not in result.output  # no passwords printed
    assert not any(isolated_instance.iterdir())  # no database built


@pytest.mark.parametrize(
    ("host", "extra"),
    [("127.0.0.1", []), ("localhost", []), ("::1", []), ("127.0.0.2", []), ("0.0.0.0", ["--allow-remote"])],
)
def test_demo_passes_the_host_check_on_loopback_or_when_told(
    host: str, extra: list[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """With another database configured `raak demo` stops at its next check, which proves the host was accepted."""
    monkeypatch.setenv("DATABASE_URL", POSTGRES_ELSEWHERE)
    result = CliRunner().invoke(main, ["demo", "--host", host, "--no-serve", *extra])
    assert result.exit_code == USAGE_ERROR_EXIT, result.output
    assert "DATABASE_URL" in result.output and "--allow-remote" not in result.output
