"""A local S3 server (moto's server mode on loopback, reached over real HTTP) and a fresh bucket on it, for the
storage and scale-out tests. `s3_endpoint` is a fixture for every test module (tests/conftest.py)."""

from __future__ import annotations

import socket
import uuid
from collections.abc import Iterator

import pytest

from etl.store import storage

LOOPBACK = "127.0.0.1"
S3_ENV = {"AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing", "AWS_DEFAULT_REGION": "us-east-1"}


def free_port() -> int:
    """A TCP port on loopback nobody listens on now."""
    with socket.socket() as probe:
        probe.bind((LOOPBACK, 0))
        return probe.getsockname()[1]


@pytest.fixture
def s3_endpoint() -> Iterator[str]:
    """A local S3 server (moto's server mode) for this test."""
    from moto.server import ThreadedMotoServer

    port = free_port()
    server = ThreadedMotoServer(ip_address=LOOPBACK, port=port, verbose=False)
    server.start()
    yield f"http://{LOOPBACK}:{port}"
    server.stop()


def s3_settings(endpoint: str) -> dict[str, str]:
    """The environment that points the storage layer at a fresh bucket on `endpoint` (the bucket is created)."""
    import s3fs

    bucket = f"raak-{uuid.uuid4().hex[:12]}"
    s3fs.S3FileSystem(key="testing", secret="testing", endpoint_url=endpoint).mkdir(bucket)
    return {**S3_ENV, storage.ENDPOINT_ENV: endpoint, "RAAK_STORAGE_URL": f"s3://{bucket}/raak"}
