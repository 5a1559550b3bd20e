"""Users: roles and region scopes, hashed passwords, audited changes, and the `raak users` commands."""

from __future__ import annotations

import pytest
from click.testing import CliRunner
from sqlalchemy import Engine, select

from dashboard.cli import USAGE_ERROR_EXIT, main
from etl.admin.users import UserAdminError, add_user, authenticate, disable_user, list_users, reset_password
from etl.store import models as m
from etl.store.db import session_scope

PASSWORD = "correct horse battery"


def test_added_user_logs_in_with_a_hashed_password_and_is_audited(engine: Engine) -> None:
    with session_scope(engine) as session:
        add_user(session, "Coord@Example.org", "coordinator", PASSWORD, regions=("GG3406",), actor="test")
    with session_scope(engine) as session:
        stored = session.scalar(select(m.User))
        assert stored.email == "coord@example.org"
        assert PASSWORD not in stored.password_hash and stored.password_hash.startswith("scrypt:")
        view = authenticate(session, "coord@example.org", PASSWORD)
        assert view is not None and view.regions == ("GG3406",) and view.role == "coordinator"
        assert authenticate(session, "coord@example.org", "wrong password!") is None
        actions = list(session.scalars(select(m.AuditLog.action)))
        assert actions == ["user.add"]
        assert PASSWORD not in (session.scalar(select(m.AuditLog.detail)) or "")


def test_disabled_user_cannot_log_in_and_a_reset_password_works(engine: Engine) -> None:
    with session_scope(engine) as session:
        add_user(session, "nji@example.org", "nji", PASSWORD, actor="test")
        reset_password(session, "nji@example.org", "another long password", actor="test")
        assert authenticate(session, "nji@example.org", "another long password") is not None
        disable_user(session, "nji@example.org", actor="test")
        assert authenticate(session, "nji@example.org", "another long password") is None
        assert [v.is_active for v in list_users(session)] == [False]


@pytest.mark.parametrize(
    ("email", "role", "password", "regions", "message"),
    [
        ("not-an-email", "nji", PASSWORD, (), "not an e-mail"),
        ("a@b.nl", "admin", PASSWORD, (), "unknown role"),
        ("a@b.nl", "coordinator", PASSWORD, (), "at least one --region"),
        ("a@b.nl", "coordinator", PASSWORD, ("GG0000",), "unknown region"),
        ("a@b.nl", "steering", PASSWORD, ("GG3406",), "only for coordinators"),
        ("a@b.nl", "nji", "short", (), "at least 12 characters"),
    ],
)
def test_invalid_user_is_refused(
    engine: Engine, email: str, role: str, password: str, regions: tuple[str, ...], message: str
) -> None:
    with pytest.raises(UserAdminError, match=message), session_scope(engine) as session:
        add_user(session, email, role, password, regions=regions, actor="test")


def test_users_cli_generates_a_password_once_and_lists_users(use_database: str) -> None:
    runner = CliRunner()
    added = runner.invoke(
        main, ["users", "add", "c@example.org", "--role", "coordinator", "--region", "GG3406", "--generate-password"]
    )
    assert added.exit_code == 0, added.output
    password = added.output.split("Password (shown once): ")[1].strip()
    assert len(password) >= 12
    listed = runner.invoke(main, ["users", "list"])
    assert "c@example.org" in listed.output and "GG3406" in listed.output and password not in listed.output
    duplicate = runner.invoke(main, ["users", "add", "c@example.org", "--role", "nji", "--generate-password"])
    assert duplicate.exit_code == USAGE_ERROR_EXIT and "exists already" in duplicate.output
    prompted = runner.invoke(
        main, ["users", "add", "s@example.org", "--role", "steering"], input=f"{PASSWORD}\n{PASSWORD}\n"
    )
    assert prompted.exit_code == 0 and PASSWORD not in prompted.output
