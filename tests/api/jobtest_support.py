"""Helpers of the job engine tests: real server and worker processes, killed with SIGKILL."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import httpx

from api.db.database import Database
from api.db.models import PlanRecord
from api.jobs.leases import owner_pid
from api.settings import Settings

REPO = Path(__file__).resolve().parents[2]
ENDED = ("done", "failed", "cancelled")


def child_env(database_url: str, **settings: object) -> dict[str, str]:
    """The environment of a server or worker process: our import path and the settings."""
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(p for p in sys.path if p),
           "SAMKORSEL_DATABASE_URL": database_url, "SAMKORSEL_AUTO_MIGRATE": "false",
           "SAMKORSEL_WARM_UP": "false"}
    env.update({f"SAMKORSEL_{k.upper()}": str(v) for k, v in settings.items()})
    return env


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class ServerProcess:
    """``uvicorn api.main:create_app`` in its own process; its log goes to ``log``."""

    def __init__(self, env: dict[str, str], log: Path) -> None:
        self.port = free_port()
        self.base = f"http://127.0.0.1:{self.port}/api/v1"
        self.log = log
        with log.open("ab") as out:
            self.process = subprocess.Popen(
                [sys.executable, "-m", "uvicorn", "api.main:create_app", "--factory", "--host",
                 "127.0.0.1", "--port", str(self.port), "--log-level", "info",
                 "--no-access-log"], cwd=REPO, env=env, stdout=out, stderr=subprocess.STDOUT)
        deadline = time.monotonic() + 60
        while True:
            try:
                if httpx.get(f"{self.base}/health", timeout=1).status_code == 200:
                    return
            except httpx.HTTPError:
                pass
            assert self.process.poll() is None, f"server ended: {log.read_text()[-3000:]}"
            assert time.monotonic() < deadline, "server did not start"
            time.sleep(0.1)

    def kill(self) -> None:
        self.process.send_signal(signal.SIGKILL)
        self.process.wait(timeout=10)

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=40)
            except subprocess.TimeoutExpired:
                self.kill()


def demo_files() -> list[tuple[str, tuple[str, bytes, str]]]:
    demo = REPO / "data" / "demo"
    return [("files", (p.name, p.read_bytes(), "text/plain"))
            for p in sorted(demo.iterdir()) if p.suffix in (".csv", ".toml")]


def import_demo(base: str, headers: dict[str, str]) -> None:
    r = httpx.post(f"{base}/scenario/import", headers=headers, files=demo_files(), timeout=120)
    assert r.status_code == 200, r.text


def start_plan(base: str, headers: dict[str, str], time_limit_s: float) -> int:
    r = httpx.post(f"{base}/plans", headers=headers, json={"time_limit_s": time_limit_s},
                   timeout=30)
    assert r.status_code == 202, r.text
    return int(r.json()["plan_id"])


def status(base: str, headers: dict[str, str], plan_id: int) -> dict[str, Any]:
    r = httpx.get(f"{base}/plans/{plan_id}/status", headers=headers, timeout=30)
    assert r.status_code == 200, r.text
    return dict(r.json())


def wait_until(check: Callable[[], Any], timeout_s: float, what: str) -> Any:
    deadline = time.monotonic() + timeout_s
    while True:
        value = check()
        if value:
            return value
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        time.sleep(0.1)


def solving(database: Database, plan_id: int) -> tuple[str, int] | None:
    """``(lease owner, its pid)`` while the job is being planned (past loading), else None."""
    with database.unit_of_work(write=False) as db:
        row = db.get(PlanRecord, plan_id)
        assert row is not None
        if row.status != "running" or row.lease_owner is None:
            return None
        if row.progress.get("stage") not in ("planning", "reoptimising") and \
                not row.progress.get("total"):
            return None
        pid = owner_pid(row.lease_owner)
        assert pid is not None
        return row.lease_owner, pid


def alive(pid: int) -> bool:
    """True while process ``pid`` runs (a zombie waiting to be reaped counts as dead)."""
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except (OSError, IndexError):
        return False
    return state not in ("Z", "X")


def children_of(pid: int) -> list[int]:
    """Live processes whose parent is ``pid``."""
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[1]) == pid and fields[0] not in ("Z", "X"):
            found.append(int(entry.name))
    return found


BROKER = os.environ.get("SAMKORSEL_TEST_BROKER_URL", "amqp://guest:guest@127.0.0.1:5672/%2F")


def rabbitmq_answers() -> bool:
    try:
        with socket.create_connection(("127.0.0.1", 5672), timeout=2):
            return True
    except OSError:
        return False


def rabbitmq_queue() -> Iterator[str]:
    """A queue name of our own (for a fixture); its queues are deleted afterwards."""
    name = f"samkorsel-test-{uuid.uuid4().hex[:10]}"
    yield name
    import pika

    connection = pika.BlockingConnection(pika.URLParameters(BROKER))
    try:
        channel = connection.channel()
        for base in (name, f"{name}-parts"):
            for q in (base, f"{base}.DQ", f"{base}.XQ"):
                channel.queue_delete(q)
    finally:
        connection.close()


class Worker:
    """``samkorsel worker`` in its own process."""

    def __init__(self, env: dict[str, str], log: Path) -> None:
        self.log = log
        with log.open("ab") as out:
            self.process = subprocess.Popen([sys.executable, "-m", "api.cli", "worker"],
                                            cwd=REPO, env=env, stdout=out,
                                            stderr=subprocess.STDOUT)
        try:
            wait_until(lambda: "consuming" in log.read_text() or self.process.poll() is not None,
                       60, "the worker to start")
            assert self.process.poll() is None, log.read_text()[-3000:]
        except AssertionError:
            self.stop()
            raise

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=60)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()


def engine_settings(settings: Settings, queue: str, **extra: Any) -> Settings:
    return settings.model_copy(update={"job_engine": "dramatiq", "job_broker_url": BROKER,
                                       "job_queue": queue, "job_lease_s": 3,
                                       "job_heartbeat_s": 0.5, **extra})


def engine_env(settings: Settings) -> dict[str, str]:
    return child_env(settings.database_url, job_engine="dramatiq",
                     job_broker_url=settings.job_broker_url, job_queue=settings.job_queue,
                     job_lease_s=settings.job_lease_s, job_heartbeat_s=settings.job_heartbeat_s,
                     job_max_attempts=settings.job_max_attempts)
