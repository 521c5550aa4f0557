"""Fixtures for a real PostgreSQL (``tests/postgres_server.py``), registered by ``tests/conftest.py``.

The server starts once per test session, the first time a test asks for it,
and stops (its folder removed) when the session ends. Skipped only when
``COHORTBOT_SKIP_POSTGRES=1`` and not in CI; otherwise a server that cannot be
started fails each test that needs it, saying why.
"""

from __future__ import annotations

import os
from collections.abc import Iterator, Mapping

import pytest

from tests.postgres_server import PostgresServer, PostgresUnavailable, postgres_skip_reason


def start_for_tests(env: Mapping[str, str]) -> PostgresServer:
    """Skip when asked to (outside CI only); otherwise a started server, or a failure saying why."""
    reason = postgres_skip_reason(env)
    if reason:
        pytest.skip(reason)
    try:
        return PostgresServer.start(env)
    except PostgresUnavailable as exc:
        pytest.fail(f"PostgreSQL is needed and could not be started: {exc}", pytrace=False)


@pytest.fixture(scope="session")
def postgres_server() -> Iterator[PostgresServer]:
    """The session's PostgreSQL server (started on first use)."""
    server = start_for_tests(os.environ)
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture(scope="session")
def postgres_url(postgres_server: PostgresServer) -> str:
    """``postgresql://cohortbot@127.0.0.1:PORT/cohortbot``: the session's shared database."""
    return postgres_server.url


@pytest.fixture
def postgres_database(postgres_server: PostgresServer) -> Iterator[str]:
    """The URL of a fresh, empty database for this test alone, dropped after it."""
    url = postgres_server.new_database()
    try:
        yield url
    finally:
        postgres_server.drop_database(url)
