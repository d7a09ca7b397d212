"""The embedded job engine: worker processes the API server starts, supervises and takes down.

No extra service: the server (:class:`EmbeddedWorkers`, in the API process) starts
``job_workers`` child processes (``python -m api.jobs.embedded``) on the first job, or at start-up
when jobs are waiting, and starts a child again when one dies. A child takes jobs from the
database (:mod:`api.jobs.leases`) and solves them at a lower CPU priority, so the solver never
holds the API's interpreter and the API keeps a core.

A child never outlives the server:

* ``PR_SET_PDEATHSIG`` (Linux): the kernel kills the child when the thread that started it ends —
  the supervisor thread, which lives as long as the server, so a ``kill -9`` of the server takes
  the child with it at once;
* the child's standard input is a pipe from the server (the first line carries the settings,
  later lines are wake-ups for new jobs): end of file means the server is gone or shutting down,
  and the child stops after its current wave, puts the job back in the queue and exits (on
  platforms without ``prctl`` this is the only guard).

A child that is killed leaves its job ``running`` under a lease nobody renews; when the lease runs
out, the next sweep puts the job back in the queue (:func:`api.jobs.leases.sweep`).
"""

from __future__ import annotations

import contextlib
import ctypes
import logging
import os
import select
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

from api.settings import Settings

log = logging.getLogger(__name__)

_PR_SET_PDEATHSIG = 1
_PARENT_ENV = "SAMKORSEL_JOB_PARENT_PID"


class EmbeddedWorkers:
    """Starts and supervises the worker processes of one API process."""

    def __init__(self, settings: Settings, *, stop_grace_s: float = 20.0) -> None:
        self._settings = settings
        self._grace_s = stop_grace_s
        self._lock = threading.Lock()
        self._children: list[subprocess.Popen[bytes]] = []
        self._stopping = threading.Event()
        self._wake = threading.Event()
        self._thread: threading.Thread | None = None

    def ensure_started(self) -> None:
        with self._lock:
            if self._thread is None and not self._stopping.is_set():
                self._thread = threading.Thread(target=self._supervise, name="job-supervisor",
                                                daemon=True)
                self._thread.start()

    def wake(self) -> None:
        """Tell the children a job is waiting (they also look every few seconds)."""
        self.ensure_started()
        with self._lock:
            children = list(self._children)
        for child in children:
            try:
                assert child.stdin is not None
                child.stdin.write(b"wake\n")
                child.stdin.flush()
            except (OSError, ValueError):  # it died or is being replaced
                pass

    @property
    def pids(self) -> list[int]:
        with self._lock:
            return [c.pid for c in self._children if c.poll() is None]

    def _spawn(self) -> subprocess.Popen[bytes]:
        # The child must import this code as we do, whatever put it on our path (an installed
        # package, PYTHONPATH, pytest's rootdir).
        env = {**os.environ, _PARENT_ENV: str(os.getpid()),
               "PYTHONPATH": os.pathsep.join(p for p in sys.path if p)}
        child = subprocess.Popen(
            [sys.executable, "-m", "api.jobs.embedded"], stdin=subprocess.PIPE, env=env,
            cwd=Path.cwd(),
        )
        assert child.stdin is not None
        child.stdin.write(self._settings.model_dump_json().encode() + b"\n")
        child.stdin.flush()
        log.info("job worker process %d started", child.pid)
        return child

    def _supervise(self) -> None:
        """Runs for the server's lifetime: PDEATHSIG ties the children to this thread."""
        restarts: list[float] = []
        while not self._stopping.is_set():
            with self._lock:
                alive = [c for c in self._children if c.poll() is None]
                for dead in set(self._children) - set(alive):
                    log.warning("job worker process %d ended (code %s); starting another",
                                dead.pid, dead.returncode)
                    restarts.append(time.monotonic())
                self._children = alive
                # A worker that dies at once again and again is not restarted in a tight loop.
                recent = [t for t in restarts if time.monotonic() - t < 60]
                restarts = recent
                if len(recent) <= 10:
                    while len(self._children) < self._settings.job_workers:
                        try:
                            self._children.append(self._spawn())
                        except OSError as exc:  # out of processes or memory: try again later
                            log.error("could not start a job worker process: %s", exc)
                            restarts.append(time.monotonic())
                            break
            self._wake.wait(0.5)
        self._shutdown_children()

    def _shutdown_children(self) -> None:
        with self._lock:
            children = list(self._children)
        for child in children:  # end of input: stop after the current wave, requeue, exit
            try:
                assert child.stdin is not None
                child.stdin.close()
            except OSError:
                pass
        deadline = time.monotonic() + self._grace_s
        for child in children:
            try:
                child.wait(timeout=max(0.0, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                log.warning("job worker process %d did not stop in time; killed", child.pid)
                child.kill()
                child.wait()

    def stop(self) -> None:
        self._stopping.set()
        self._wake.set()
        thread = self._thread
        if thread is not None:
            thread.join()


# --- the child --------------------------------------------------------------------------------


def _die_with_parent() -> None:
    """Ask the kernel to kill us when the supervisor thread ends (Linux), then make sure it
    had not already ended before we asked."""
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(_PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)
    except (OSError, AttributeError):  # not Linux: the input pipe's end of file still stops us
        pass
    parent = os.environ.get(_PARENT_ENV)
    if parent and os.getppid() != int(parent):
        os._exit(0)


def _watch_input(stopping: threading.Event, wake: threading.Event, grace_s: float) -> None:
    """Wake-ups come as lines on standard input; end of file stops the worker. If the job does
    not stop within the grace period (a wave longer than that), the process ends anyway: the
    job's lease then runs out and the job is taken up again."""
    fd = sys.stdin.fileno()
    while True:
        readable, _, _ = select.select([fd], [], [], 1.0)
        if readable and not os.read(fd, 4096):
            break
        if readable:
            wake.set()
    stopping.set()
    wake.set()
    time.sleep(grace_s)
    os._exit(3)


def _read_line(fd: int) -> bytes:
    """One line from ``fd`` unbuffered (the input watcher reads the rest of it raw)."""
    line = bytearray()
    while not line.endswith(b"\n"):
        byte = os.read(fd, 1)
        if not byte:
            os._exit(0)
        line += byte
    return bytes(line)


def main() -> None:
    _die_with_parent()
    settings = Settings.model_validate_json(_read_line(sys.stdin.fileno()))
    logging.basicConfig(level=logging.INFO, format="%(asctime)s job-worker %(process)d "
                        "%(levelname)s %(name)s: %(message)s")
    with contextlib.suppress(OSError):
        os.nice(settings.job_worker_nice)
    from api.context import NetworkCache
    from api.db.database import Database
    from api.jobs import leases
    from api.jobs.parts import claim_part, run_part, sweep_parts
    from api.jobs.solve import run_claimed

    stopping, wake = threading.Event(), threading.Event()

    def on_term(*_: object) -> None:
        stopping.set()
        wake.set()

    signal.signal(signal.SIGTERM, on_term)
    threading.Thread(target=_watch_input, args=(stopping, wake, 15.0), daemon=True).start()
    database = Database(settings.database_url)
    networks = NetworkCache(settings)
    owner = leases.worker_name()
    log.info("job worker %s ready", owner)
    poll_s = min(settings.job_heartbeat_s, 1.0)
    while not stopping.is_set():
        try:
            leases.sweep(database, settings.job_max_attempts)
            sweep_parts(database, settings.job_max_attempts)
            # Parts first: a job elsewhere is waiting for them.
            part_id = claim_part(database, owner, settings.job_lease_s)
            plan_id = None if part_id is not None else \
                leases.claim_next(database, owner, settings.job_lease_s)
        except Exception as exc:  # the database is away for a moment: try again shortly
            log.warning("job worker: %s", type(exc).__name__)
            part_id = plan_id = None
        if part_id is not None:
            run_part(database, settings, part_id, owner)
            continue
        if plan_id is not None:
            run_claimed(database, networks, settings, plan_id, owner, stopping)
            continue
        wake.wait(poll_s)
        wake.clear()
    database.dispose()
    log.info("job worker %s stopped", owner)


if __name__ == "__main__":
    main()
