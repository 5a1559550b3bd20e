"""Cache computed reports per round with Flask-Caching: Redis when REDIS_URL is set, in-process otherwise.

Keys carry the database URL, the request (e.g. round label) and the data version (the newest audit_log row),
so an ingest in any process makes every older entry unreachable: no invalidation call is ever needed; and a digest
of the code, so a new release never unpickles an object an older one stored. Without a
Flask app (the CLI, tests) the same cache type runs on a private Flask app; a cache failure never fails a page.

After a data change every worker misses at once; one of them (whoever adds the key's lock first, atomically in
Redis) computes the entry while the others wait for it, so a data change costs one computation, not one per worker.
"""

from __future__ import annotations

import hashlib
import logging
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar, cast

from cachelib import BaseCache
from flask import Flask, current_app, has_app_context
from flask_caching import Cache
from sqlalchemy import Connection, Engine

from dashboard.analytics.queries import data_version, snapshot
from etl.store import config as settings_module
from etl.store.config import get_settings

CACHE_TIMEOUT_SECONDS = 24 * 60 * 60  # entries of an old data version just age out
VIEW_TIMEOUT_SECONDS = 60 * 60  # drawn pages: large, and redrawn from the cached reports in a few hundred ms
KEY_PREFIX = "raak-monitor:"
SIMPLE_CACHE_MAX_ENTRIES = 500
REDIS_TIMEOUT_SECONDS = 1  # a hung Redis must not hold a page for long: compute instead
LOCK_SECONDS = 60  # a computing worker that died frees its lock after this long
WAIT_SECONDS = 30  # how long a request waits for another worker's computation before computing itself
POLL_SECONDS = 0.05

T = TypeVar("T")
log = logging.getLogger(__name__)
cache = Cache()
_standalone: dict[str | None, BaseCache] = {}  # per REDIS_URL, so a changed setting takes effect
_standalone_lock = threading.Lock()  # threads starting at once share one standalone cache


def cache_config(redis_url: str | None) -> dict[str, Any]:
    """Flask-Caching settings: RedisCache on `redis_url` when given, else a SimpleCache in this process."""
    config: dict[str, Any] = {"CACHE_DEFAULT_TIMEOUT": CACHE_TIMEOUT_SECONDS, "CACHE_KEY_PREFIX": KEY_PREFIX}
    if redis_url:
        timeouts = {"socket_connect_timeout": REDIS_TIMEOUT_SECONDS, "socket_timeout": REDIS_TIMEOUT_SECONDS}
        return {**config, "CACHE_TYPE": "RedisCache", "CACHE_REDIS_URL": redis_url, "CACHE_OPTIONS": timeouts}
    return {**config, "CACHE_TYPE": "SimpleCache", "CACHE_THRESHOLD": SIMPLE_CACHE_MAX_ENTRIES}


def _attach(target: Cache, app: Flask, redis_url: str | None) -> None:
    """Configure `target` on `app`; when Redis cannot be set up, say so in the log and cache in-process."""
    try:
        target.init_app(app, config=cache_config(redis_url))
    except Exception:
        if not redis_url:
            raise
        log.error("REDIS_URL is set but Redis cannot be used; caching in this process instead", exc_info=True)
        target.init_app(app, config=cache_config(None))


def init_cache(server: Flask) -> Cache:
    """Attach the cache to the Dash app's Flask server (call once when building the app)."""
    _attach(cache, server, get_settings().redis_url)
    return cache


def active_cache() -> BaseCache:
    """The backend of the app's cache inside an app set up with `init_cache`, else a process-wide standalone one."""
    if has_app_context() and cache in current_app.extensions.get("cache", {}):
        return cast(BaseCache, current_app.extensions["cache"][cache])
    redis_url = get_settings().redis_url
    with _standalone_lock:
        if redis_url not in _standalone:
            app, standalone = Flask("raak-monitor-cache"), Cache()
            _attach(standalone, app, redis_url)
            _standalone[redis_url] = app.extensions["cache"][standalone]
        return _standalone[redis_url]


def _code_version() -> str:
    """A digest of the code that computes and draws what the cache holds (the `dashboard` and `etl` packages):
    during a rolling deploy each release reads only what it wrote itself, never another release's objects."""
    digest = hashlib.sha256()
    for package in (Path(__file__).resolve().parents[1], Path(settings_module.__file__).resolve().parents[1]):
        for path in sorted(package.rglob("*.py")):
            digest.update(path.read_bytes())
    return digest.hexdigest()[:16]


CODE_VERSION = _code_version()


def cache_key(database_url: str, name: str, parts: tuple[Any, ...], version: str) -> str:
    """A short key for (code, database, what, arguments, data version); `parts` must have a stable repr."""
    digest = hashlib.sha256(repr((CODE_VERSION, database_url, name, parts, version)).encode("utf-8")).hexdigest()
    return f"{name}:{digest[:40]}"


def _get(store: BaseCache, key: str, name: str) -> Any:
    try:
        return store.get(key)
    except Exception:  # a cache outage (e.g. Redis down) costs speed, never the page
        log.warning("cache unavailable; computing %s directly", name, exc_info=True)
        return None


def _claim(store: BaseCache, lock: str) -> bool:
    """Whether this request computes the entry: True when it added the lock first, or when the cache is down."""
    try:
        return bool(store.add(lock, 1, timeout=LOCK_SECONDS))
    except Exception:
        return True


def _wait_for(store: BaseCache, key: str, lock: str, name: str) -> Any:
    """The entry another worker is computing, once it is stored; None when it gives up or its lock is gone."""
    deadline = time.monotonic() + WAIT_SECONDS
    while time.monotonic() < deadline:
        time.sleep(POLL_SECONDS)
        hit = _get(store, key, name)
        if hit is not None:
            return hit
        try:
            if not store.has(lock):
                return _get(store, key, name)
        except Exception:
            return None
    return None


def _single_flight(store: BaseCache, key: str, name: str, build: Callable[[], T], timeout: int | None = None) -> T:
    """The entry `key`, or `build()` stored under it, computed once across workers: a request that finds another
    computing it waits for that result."""
    hit = _get(store, key, name)
    if hit is not None:
        return cast(T, hit)
    lock = f"{key}:computing"
    if not _claim(store, lock):
        hit = _wait_for(store, key, lock, name)
        if hit is not None:
            return cast(T, hit)
    try:
        value = build()
        try:
            store.set(key, value, timeout=timeout)
        except Exception:
            log.warning("cache unavailable; %s not stored", name, exc_info=True)
    finally:
        try:
            store.delete(lock)
        except Exception:
            log.warning("cache unavailable; lock of %s not released", name, exc_info=True)
    return value


def cached(engine: Engine, name: str, parts: tuple[Any, ...], build: Callable[[Connection], T]) -> T:
    """`build(conn)` on a consistent snapshot, or its cached value for the same data version."""
    with snapshot(engine) as conn:
        key = cache_key(engine.url.render_as_string(hide_password=False), name, parts, data_version(conn))
        return _single_flight(active_cache(), key, name, lambda: build(conn))


def cached_view(
    engine: Engine, name: str, parts: tuple[Any, ...], build: Callable[[], T], version: str | None = None
) -> T:
    """`build()` (which reads through the report functions), or its cached value for the data version it starts
    on (`version` when the caller has just read it): for what is drawn from reports, such as a page's component
    tree. A data change while it builds only means the entry holds slightly newer data under the older version,
    which no later request asks for."""
    if version is None:
        with snapshot(engine) as conn:
            version = data_version(conn)
    key = cache_key(engine.url.render_as_string(hide_password=False), name, parts, version)
    return _single_flight(active_cache(), key, name, build, VIEW_TIMEOUT_SECONDS)
