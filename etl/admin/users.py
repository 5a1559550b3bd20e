"""People who use the monitor: NJi staff, regional coordinators (scoped to regions) and the steering group.

Passwords are hashed with scrypt (werkzeug) and never stored or logged in clear. A password reset, disabling, or a
change of role or regions ends every open session of the user (`etl.store.sessions`).
"""

from __future__ import annotations

import re
import secrets
from dataclasses import dataclass
from functools import cache

from sqlalchemy import delete, select
from sqlalchemy.orm import Session
from werkzeug.security import check_password_hash, generate_password_hash

from etl.store.audit import record
from etl.store.issues import UserError
from etl.store.models import ROLES, Region, User, UserRegion
from etl.store.sessions import end_user_sessions

MIN_PASSWORD_LENGTH = 12
GENERATED_PASSWORD_BYTES = 12
PASSWORD_METHOD = "scrypt"
EMAIL_PATTERN = re.compile(r"[^@\s]+@[^@\s]+\.[^@\s]+")


class UserAdminError(UserError):
    """A user operation that cannot be done, with a message fit for the user."""


@dataclass(frozen=True)
class UserView:
    """What may be shown about a user: never the hash."""

    email: str
    role: str
    regions: tuple[str, ...]
    is_active: bool


def generate_password() -> str:
    """A random password of about 16 URL-safe characters."""
    return secrets.token_urlsafe(GENERATED_PASSWORD_BYTES)


def _check_password(password: str) -> None:
    if len(password) < MIN_PASSWORD_LENGTH:
        raise UserAdminError(f"a password needs at least {MIN_PASSWORD_LENGTH} characters")


def _get(session: Session, email: str) -> User:
    user = session.scalar(select(User).where(User.email == email.strip().lower()))
    if user is None:
        raise UserAdminError(f"no user {email!r}")
    return user


def _check_scope(session: Session, role: str, regions: tuple[str, ...]) -> None:
    if role not in ROLES:
        raise UserAdminError(f"unknown role {role!r}; choose one of {', '.join(ROLES)}")
    if role == "coordinator" and not regions:
        raise UserAdminError("a coordinator needs at least one --region")
    if role != "coordinator" and regions:
        raise UserAdminError(f"role {role!r} sees every region; --region is only for coordinators")
    unknown = sorted(set(regions) - set(session.scalars(select(Region.code).where(Region.code.in_(regions)))))
    if unknown:
        raise UserAdminError(f"unknown region(s): {', '.join(unknown)}")


def _view(session: Session, user: User) -> UserView:
    regions = tuple(
        session.scalars(
            select(UserRegion.region_code).where(UserRegion.user_id == user.id).order_by(UserRegion.region_code)
        )
    )
    return UserView(email=user.email, role=user.role, regions=regions, is_active=user.is_active)


def add_user(
    session: Session, email: str, role: str, password: str, *, regions: tuple[str, ...] = (), actor: str | None
) -> UserView:
    """Create an active user; a coordinator needs at least one known region, other roles none."""
    email = email.strip().lower()
    if not EMAIL_PATTERN.fullmatch(email):
        raise UserAdminError(f"{email!r} is not an e-mail address")
    _check_scope(session, role, regions)
    if session.scalar(select(User).where(User.email == email)) is not None:
        raise UserAdminError(f"user {email!r} exists already")
    _check_password(password)
    user = User(email=email, role=role, password_hash=generate_password_hash(password, method=PASSWORD_METHOD))
    session.add(user)
    session.flush()
    session.add_all(UserRegion(user_id=user.id, region_code=code) for code in sorted(set(regions)))
    record(session, "user.add", actor=actor, detail={"email": email, "role": role, "regions": sorted(set(regions))})
    return _view(session, user)


def list_users(session: Session) -> list[UserView]:
    """Every user, by e-mail address."""
    return [_view(session, user) for user in session.scalars(select(User).order_by(User.email))]


def disable_user(session: Session, email: str, *, actor: str | None) -> None:
    """Stop a user from logging in; history keeps their name."""
    user = _get(session, email)
    user.is_active = False
    end_user_sessions(session, user.id)
    record(session, "user.disable", actor=actor, detail={"email": user.email})


def reset_password(session: Session, email: str, password: str, *, actor: str | None) -> None:
    """Set a new password (and re-activate nothing: a disabled user stays disabled)."""
    _check_password(password)
    user = _get(session, email)
    user.password_hash = generate_password_hash(password, method=PASSWORD_METHOD)
    end_user_sessions(session, user.id)
    record(session, "user.reset_password", actor=actor, detail={"email": user.email})


def set_role(session: Session, email: str, role: str, *, regions: tuple[str, ...] = (), actor: str | None) -> UserView:
    """Give a user another role (a coordinator with its regions); their open sessions end."""
    _check_scope(session, role, regions)
    user = _get(session, email)
    user.role = role
    session.execute(delete(UserRegion).where(UserRegion.user_id == user.id))
    session.add_all(UserRegion(user_id=user.id, region_code=code) for code in sorted(set(regions)))
    end_user_sessions(session, user.id)
    record(
        session, "user.role", actor=actor, detail={"email": user.email, "role": role, "regions": sorted(set(regions))}
    )
    return _view(session, user)


@cache
def dummy_hash() -> str:
    """A hash of no one's password, checked when there is no usable user, so every failed log-in costs one hash."""
    return generate_password_hash(secrets.token_urlsafe(GENERATED_PASSWORD_BYTES), method=PASSWORD_METHOD)


def password_matches(user: User | None, password: str) -> bool:
    """Whether `user` is active and `password` is theirs; exactly one hash check whoever asks (no timing tells)."""
    usable = user is not None and user.is_active
    matches = check_password_hash(user.password_hash if usable else dummy_hash(), password)  # type: ignore[union-attr]
    return usable and matches


def find_user(session: Session, email: str) -> User | None:
    """The user (active or not) with this e-mail address."""
    return session.scalar(select(User).where(User.email == email.strip().lower()))


def authenticate(session: Session, email: str, password: str) -> UserView | None:
    """The active user with this e-mail and password, or None (the caller shows one generic message)."""
    user = find_user(session, email)
    return _view(session, user) if password_matches(user, password) and user is not None else None
