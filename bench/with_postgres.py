"""Run a benchmark with a throwaway PostgreSQL server: both backends in the same run.

``.venv/bin/python bench/with_postgres.py bench/bench_reconcile.py [its arguments]``

Starts a server as the tests do (``tests/postgres_server.py``: ``initdb`` in a
temporary folder, loopback only, ``fsync=off``), runs the given script with this
Python and ``DATABASE_URL`` set to it, then stops the server and removes its
folder, whatever the script did. The exit status is the script's.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def main(arguments: list[str]) -> int:
    if not arguments:
        print(__doc__.strip().splitlines()[2], file=sys.stderr)
        return 2
    sys.path.insert(0, str(ROOT))  # the tests' helper, not part of the installed package
    from tests.postgres_server import PostgresServer

    server = PostgresServer.start()
    try:
        print(f"with_postgres: PostgreSQL on {server.url}", file=sys.stderr, flush=True)
        env = {**os.environ, "DATABASE_URL": server.url}
        return subprocess.run([sys.executable, *arguments], env=env, check=False).returncode
    except KeyboardInterrupt:
        return 130
    finally:
        server.stop()


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
