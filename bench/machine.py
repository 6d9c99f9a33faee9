"""What the bench ran on, how busy the machine already was, and what CPU the server used.

`describe` records the hardware and software versions; `sample` measures the share of
CPU in use over a few seconds while the bench itself is idle, so the report can say
when other work on the machine was competing with it; `cpu` snapshots the CPU time of
gunicorn's processes and of the database backends serving them, so a measurement can
say how many milliseconds of Django and of PostgreSQL one request cost. CPU time per
request hardly depends on what else the machine is doing; requests per second do.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import subprocess
import time
from importlib import metadata
from pathlib import Path
from typing import Any


def _command_lines(*argv: str) -> list[str]:
    try:
        done = subprocess.run(argv, capture_output=True, text=True, timeout=30, check=False)  # noqa: S603
    except OSError:
        return ["not found"]
    return (done.stdout or done.stderr).strip().splitlines()


def _command(*argv: str) -> str:
    """The first line a fixed command prints (wrk -v prints to stderr)."""
    lines = _command_lines(*argv)
    return lines[0] if lines else ""


def _cpu_model() -> str:
    for line in Path("/proc/cpuinfo").read_text().splitlines():
        if line.startswith("model name"):
            return line.split(":", 1)[1].strip()
    return platform.processor()


def _memory_gib() -> float:
    for line in Path("/proc/meminfo").read_text().splitlines():
        if line.startswith("MemTotal:"):
            return int(line.split()[1]) / 1024 / 1024
    return 0.0


def describe() -> dict[str, Any]:
    debian = Path("/etc/debian_version")
    return {
        "cpu": _cpu_model(),
        "cores": os.cpu_count(),
        "memory_gib": round(_memory_gib(), 1),
        "os": f"Debian {debian.read_text().strip()}" if debian.exists() else platform.platform(),
        "kernel": platform.release(),
        "python": platform.python_version(),
        "django": metadata.version("django"),
        "gunicorn": metadata.version("gunicorn"),
        "playwright": metadata.version("playwright"),
        "postgresql": _command(
            "/usr/bin/psql", "-h", "127.0.0.1", "-U", "postgres", "-Atc", "show server_version"
        ),
        "wrk": _command("/usr/bin/wrk", "-v"),
        "pgbench": _command("/usr/bin/pgbench", "--version"),
    }


def _cpu_times() -> tuple[int, int]:
    fields = [int(value) for value in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
    idle = fields[3] + fields[4]  # idle + iowait
    return sum(fields) - idle, sum(fields)


def sample(seconds: float) -> dict[str, Any]:
    busy_before, total_before = _cpu_times()
    time.sleep(seconds)
    busy_after, total_after = _cpu_times()
    share = (busy_after - busy_before) / max(1, total_after - total_before)
    return {"busy_percent": round(100 * share, 1), "load_average": list(os.getloadavg())}


def _stat_fields(pid: int) -> list[str] | None:
    try:
        text = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    # The command name, in parentheses, may contain spaces: split after it.
    return text.rsplit(")", 1)[1].split()


def _cpu_seconds(pid: int) -> float:
    fields = _stat_fields(pid)
    if fields is None:
        return 0.0
    # After the name: state, ppid, ... utime is the 12th, stime the 13th (0-based 11, 12).
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def server_pids(master: int) -> list[int]:
    """gunicorn's master and its workers (the master's children)."""
    pids = [master]
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            fields = _stat_fields(int(entry.name))
            if fields is not None and int(fields[1]) == master:
                pids.append(int(entry.name))
    return pids


def postgres_pids(database: str) -> list[int]:
    """The PostgreSQL backends connected to `database` (the server's persistent ones)."""
    listed = _command_lines(
        "/usr/bin/psql",
        "-h",
        "127.0.0.1",
        "-U",
        "postgres",
        "-AtF",
        " ",
        "-c",
        "select pid, datname from pg_stat_activity where datname is not null",
    )
    rows = [line.split(" ", 1) for line in listed]
    return [int(row[0]) for row in rows if len(row) == 2 and row[1] == database]


def cpu_snapshot(master: int, database: str) -> dict[str, dict[str, float]]:
    """CPU seconds used so far by each server process and each database backend."""
    return {
        "django": {str(pid): _cpu_seconds(pid) for pid in server_pids(master)},
        "postgres": {str(pid): _cpu_seconds(pid) for pid in postgres_pids(database)},
    }


def postmaster_pid() -> int | None:
    """The PostgreSQL server's main process: a `postgres` whose parent is not one."""

    def comm(pid: int) -> str:
        try:
            return Path(f"/proc/{pid}/comm").read_text().strip()
        except OSError:
            return ""

    for entry in Path("/proc").iterdir():
        if entry.name.isdigit() and comm(int(entry.name)) == "postgres":
            fields = _stat_fields(int(entry.name))
            if fields is not None and comm(int(fields[1])) != "postgres":
                return int(entry.name)
    return None


def reaped_backend_cpu() -> dict[str, float]:
    """CPU seconds of the PostgreSQL processes that have exited so far.

    The postmaster reaps its backends, and the kernel adds each one's CPU time to the
    postmaster's cutime and cstime: the difference over a pgbench run is what its
    connections (which exit when it ends) cost the database, plus any autovacuum
    worker that finished meanwhile.
    """
    pid = postmaster_pid()
    fields = _stat_fields(pid) if pid is not None else None
    if fields is None:
        return {"postgres_reaped": -1.0}
    # cutime and cstime are the 16th and 17th fields of /proc/PID/stat: 0-based 13, 14 here.
    return {"postgres_reaped": (int(fields[13]) + int(fields[14])) / os.sysconf("SC_CLK_TCK")}


def cpu_used(
    before: dict[str, dict[str, float]], after: dict[str, dict[str, float]]
) -> dict[str, float]:
    """CPU seconds spent between two snapshots, per side (new processes count in full)."""
    return {
        side: sum(seconds - before[side].get(pid, 0.0) for pid, seconds in after[side].items())
        for side in after
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("what", choices=["describe", "sample", "cpu", "reaped"])
    parser.add_argument("--seconds", type=float, default=3.0)
    parser.add_argument("--master", type=int, help="gunicorn's master pid (for cpu)")
    parser.add_argument("--database", default="bench", help="the server's database (for cpu)")
    parser.add_argument("--out", type=Path, required=True)
    args = parser.parse_args()
    if args.what == "describe":
        result: dict[str, Any] = describe()
    elif args.what == "sample":
        result = sample(args.seconds)
    elif args.what == "reaped":
        result = reaped_backend_cpu()
    else:
        result = cpu_snapshot(args.master, args.database)
    args.out.write_text(json.dumps(result, indent=1))


if __name__ == "__main__":
    main()
