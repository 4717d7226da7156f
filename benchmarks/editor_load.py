"""Load: simulated clinicians drawing and typing on the production layout (issue 15 item 6).

Starts the layout of ``tests/e2e/multiworker.py`` for real (Redis, three Reflex backend
workers, the built frontend and Caddy from ``deploy/caddy/Caddyfile``, the embedded
PostgreSQL, moto S3) and drives editors through the balancer. Each editor is a Socket.IO
client speaking the Reflex protocol as the page's own ``state.js`` does: it connects to
``/_event`` with a tab token and the session cookie, hydrates the record page in the
CONNECT packet (``hydrate_and_load``, which runs the page's ``load``), then sends the
canvas's ``receive_ops`` with one finished stroke every 2-5 s and the form's ``set_field``
every 10 s, re-sending what is not acknowledged as the canvas does (3 s after its last
send, doubling up to 30 s). A stroke counts as saved when its opId reaches the page's
``acked_op_ids``; a field when the opId the page gave it (``form_drafts``) does. Latency
runs from the first send to that delta, so it includes the 1 s a save waits for more
changes.

Phases, each on fresh records of its own:

1. 50 editors for 5 minutes on 3 workers;
2. the same on 1 worker (the other two stopped; Caddy passes them over), the baseline;
3. capacity: 1 worker, more editors each step (60 s) until its p95 passes 2 s; then 3
   workers at twice that many editors. The figure is the acknowledged operations per
   second of each.

Each phase ends with a drain (no new changes, up to 90 s for every acknowledgement), then
prints acknowledged-save latency p50/p95/p99, errors, lost operations (a stroke sent but
missing from the stored drawing, or a field whose stored value is not the last one
typed), throughput, and the CPU each worker's process group and the load generator used.

Run from the project root (about 20 minutes)::

    python benchmarks/editor_load.py [--minutes 5] [--editors 50] [--step-seconds 60]
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import random
import resource
import secrets
import sys
import tempfile
import time
import uuid
from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path

import socketio
from sqlalchemy import text

sys.path.insert(0, str(Path(__file__).resolve().parent))

import reflex as rx
from _harness import add_line, bench_database, embedded_admin_url, pct, stroke

from medrec_app.db import make_engine, session_scope
from medrec_app.domain.permissions import Actor, Role
from medrec_app.models import Appointment
from medrec_app.pages.record.state import EditorState
from medrec_app.services import accounts
from medrec_app.services.records import editing
from tests.e2e.multiworker import Layout, Parts, free_port, make_bucket, start_layout, stop
from tests.plugins.factories import PASSWORD, make_clinic
from tests.plugins.stores import moto_s3

STROKE_EVERY_S = (2.0, 5.0)
FIELD_EVERY_S = 10.0
FIELD = "chief_complaint"
RESEND_FIRST_S, RESEND_MAX_S = 3.0, 30.0
"""The canvas's re-sends of an operation not yet acknowledged: 3 s after it was last
sent, doubling each time up to 30 s (``assets/canvas/medrec_canvas.jsx``)."""
DRAIN_S = 90.0
TARGET_P95_S = 1.5
CAPACITY_P95_S = 2.0
CAPACITY_STEPS = (75, 100, 150, 200)
FIELD_MARKER = "_rx_state_"
NAMESPACE = "/_event"
"""The page's ``io(".../_event", {path: "/_event"})``: path and namespace both."""
HYDRATE = f"{rx.State.get_full_name()}.hydrate_and_load"
EDITOR = EditorState.get_full_name()
RECEIVE_OPS = f"{EDITOR}.receive_ops"
SET_FIELD = f"{EDITOR}.set_field"


@dataclass
class Tally:
    """What the editors of one phase sent and heard back."""

    stroke_s: list[float] = field(default_factory=list)
    field_s: list[float] = field(default_factory=list)
    errors: Counter = field(default_factory=Counter)
    lines: dict[int, set[str]] = field(default_factory=dict)
    """The line ids each appointment's editor sent."""
    last_value: dict[int, str] = field(default_factory=dict)
    unacked: int = 0
    acked_at: list[float] = field(default_factory=list)
    """When each acknowledgement arrived (monotonic)."""


@dataclass
class Pending:
    op: dict
    sent_at: float
    """When it was first sent: latency runs from here."""
    last_sent: float
    resends: int = 0


class Editor:
    """One clinician's tab on one record."""

    def __init__(self, origin: str, session_token: str, appointment_id: int, tally: Tally):
        self.origin = origin
        self.cookie = f"{accounts.SESSION_COOKIE}={session_token}"
        self.appointment_id = appointment_id
        self.tally = tally
        self.rng = random.Random(appointment_id)
        path = f"/appointments/{appointment_id}"
        self.router = {"pathname": path, "asPath": path}
        self.pending: dict[str, Pending] = {}
        self.field_sent: dict[str, float] = {}
        """When each form draft the page announced (by opId) was typed."""
        self.typed_at: float | None = None
        self.ready = asyncio.Event()
        self.sio = socketio.AsyncClient(reconnection=True, reconnection_delay=0.5)
        self.sio.on("event", self._update, namespace=NAMESPACE)
        self.sio.on(
            "connect_error",
            lambda _: self.tally.errors.update(["connect_error"]),
            namespace=NAMESPACE,
        )

    async def run(self, stop_at: float) -> None:
        try:
            await self._connect()
            await asyncio.wait_for(self.ready.wait(), 60)
        except (TimeoutError, socketio.exceptions.ConnectionError) as exc:
            self.tally.errors.update([f"open: {type(exc).__name__}"])
            await self.sio.disconnect()
            return
        self.tally.lines[self.appointment_id] = set()
        next_stroke = time.monotonic() + self.rng.uniform(*STROKE_EVERY_S)
        next_field = time.monotonic() + self.rng.uniform(0, FIELD_EVERY_S)
        while (now := time.monotonic()) < stop_at:
            if now >= next_stroke:
                await self._draw()
                next_stroke = now + self.rng.uniform(*STROKE_EVERY_S)
            if now >= next_field:
                await self._type()
                next_field = now + FIELD_EVERY_S
            await self._resend()
            await asyncio.sleep(0.1)

    async def drain(self, until: float) -> None:
        while (self.pending or self.field_sent or self.typed_at) and time.monotonic() < until:
            await self._resend()
            await asyncio.sleep(0.2)
        self.tally.unacked += len(self.pending) + len(self.field_sent) + bool(self.typed_at)
        await self.sio.disconnect()

    async def _connect(self) -> None:
        boot = {"name": HYDRATE, "payload": {}, "router_data": self.router}
        await self.sio.connect(
            f"{self.origin}?token={uuid.uuid4()}",
            headers={"Cookie": self.cookie, "Origin": self.origin},
            auth={"event": boot},
            transports=["websocket"],
            socketio_path=NAMESPACE,
            namespaces=[NAMESPACE],
            wait_timeout=30,
        )

    async def _emit(self, name: str, payload: dict) -> None:
        try:
            event = {"name": name, "payload": payload, "router_data": self.router}
            await self.sio.emit("event", event, namespace=NAMESPACE)
        except socketio.exceptions.BadNamespaceError:
            self.tally.errors.update(["send while disconnected"])

    async def _draw(self) -> None:
        line = stroke(self.rng, points=self.rng.randint(40, 160))
        op = add_line(line)
        now = time.monotonic()
        self.pending[op["opId"]] = Pending(op, now, now)
        self.tally.lines[self.appointment_id].add(line["id"])
        await self._emit(RECEIVE_OPS, {"ops": [op]})

    async def _type(self) -> None:
        value = f"Knee pain, visit note {secrets.token_hex(3)}"
        self.tally.last_value[self.appointment_id] = value
        self.typed_at = time.monotonic()
        await self._emit(SET_FIELD, {"path": FIELD, "value": value})

    async def _resend(self) -> None:
        now = time.monotonic()
        due = [
            p
            for p in self.pending.values()
            if now - p.last_sent >= min(RESEND_FIRST_S * 2**p.resends, RESEND_MAX_S)
        ]
        for p in due:
            p.last_sent, p.resends = now, p.resends + 1
            self.tally.errors.update(["re-sent"])
        if due:
            await self._emit(RECEIVE_OPS, {"ops": [p.op for p in due]})

    async def _update(self, update: dict) -> None:
        delta = {
            name.removesuffix(FIELD_MARKER): value
            for name, value in (update.get("delta") or {}).get(EDITOR, {}).items()
        }
        now = time.monotonic()
        if delta.get("status") == "ready":
            self.ready.set()
        elif delta.get("status") not in (None, "loading"):
            self.tally.errors.update([f"page status {delta['status']}"])
        if delta.get("refusal"):
            self.tally.errors.update(["refusal"])
        typed = self.tally.last_value.get(self.appointment_id)
        if (drafts := delta.get("form_drafts")) and self.typed_at is not None:
            for by_path in json.loads(drafts).values():
                for draft in by_path.values():
                    if draft.get("value") == typed:
                        self.field_sent[draft["opId"]] = self.typed_at
                        self.typed_at = None
        for op_id in delta.get("acked_op_ids") or []:
            if (done := self.pending.pop(op_id, None)) is not None:
                self.tally.stroke_s.append(now - done.sent_at)
                self.tally.acked_at.append(now)
            elif (typed := self.field_sent.pop(op_id, None)) is not None:
                self.tally.field_s.append(now - typed)
                self.tally.acked_at.append(now)


@dataclass
class Cpu:
    """CPU seconds used so far by each worker's process group, and by this process."""

    workers: list[float]
    generator: float
    machine: tuple[int, int]
    """Busy and total jiffies of the whole machine (all cores), from /proc/stat."""
    at: float

    @classmethod
    def now(cls, layout: Layout) -> Cpu:
        usage = resource.getrusage(resource.RUSAGE_SELF)
        return cls(
            [_group_cpu(w.proc.pid) if _alive(w) else 0.0 for w in layout.workers],
            usage.ru_utime + usage.ru_stime,
            _machine_jiffies(),
            time.monotonic(),
        )


def _alive(worker) -> bool:
    return worker.proc is not None and worker.proc.poll() is None


def _machine_jiffies() -> tuple[int, int]:
    values = [int(v) for v in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
    idle = values[3] + values[4]
    return sum(values) - idle, sum(values)


def _group_cpu(pgid: int) -> float:
    """utime + stime of every process in the group, in seconds."""
    ticks = os.sysconf("SC_CLK_TCK")
    total = 0
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        with contextlib.suppress(OSError):
            fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
            if int(fields[2]) == pgid:
                total += int(fields[11]) + int(fields[12])
    return total / ticks


@dataclass
class Result:
    name: str
    editors: int
    seconds: float
    tally: Tally
    lost: int
    throughput: float
    """Acknowledged operations per second in the steady part of the phase."""
    cpu: list[float]
    generator_cpu: float
    machine_busy: float

    def all_s(self) -> list[float]:
        return self.tally.stroke_s + self.tally.field_s

    def p(self, q: float) -> float:
        values = self.all_s()
        return pct(values, q) if values else float("inf")

    def report(self) -> None:
        t = self.tally
        print(f"\n== {self.name}: {self.editors} editors, {self.seconds:.0f} s")
        kinds = (("strokes", t.stroke_s), ("fields", t.field_s), ("all", self.all_s()))
        for label, values in kinds:
            if values:
                print(
                    f"{label:8} acked {len(values):6,}  p50 {pct(values, 50) * 1000:7.0f} ms  "
                    f"p95 {pct(values, 95) * 1000:7.0f} ms  p99 {pct(values, 99) * 1000:7.0f} ms"
                )
        print(f"throughput: {self.throughput:.1f} acknowledged operations/s")
        print(f"lost operations: {self.lost}; not acknowledged after the drain: {t.unacked}")
        errors = ", ".join(f"{k} {v}" for k, v in sorted(t.errors.items())) or "none"
        print(f"errors and re-sends: {errors}")
        cores = ", ".join(f"worker {i}: {c * 100:.0f}%" for i, c in enumerate(self.cpu))
        print(
            f"CPU (of one core): {cores}; load generator: {self.generator_cpu * 100:.0f}%; "
            f"machine ({os.cpu_count()} cores) busy: {self.machine_busy * 100:.0f}%"
        )


def make_editors(clinic_actor: Actor, emails: list[str], count: int) -> list[tuple[str, int]]:
    """A fresh appointment and record for each of ``count`` practitioners, each signed in:
    (session token, appointment id)."""
    pairs = []
    start = datetime.now(UTC).replace(microsecond=0)
    with session_scope() as session:
        patient_id = session.execute(
            text("SELECT id FROM patients WHERE clinic_id = :c LIMIT 1"),
            {"c": clinic_actor.clinic_id},
        ).scalar_one()
        ids = session.execute(text("SELECT max(calendar_event_id) FROM appointments")).scalar()
    next_id = (ids or 0) + 1
    for n, email in enumerate(emails[:count]):
        with session_scope() as session:
            user_id = session.execute(
                text("SELECT id FROM users WHERE email = :e"), {"e": email}
            ).scalar_one()
            session.add(
                Appointment(
                    calendar_event_id=next_id + n,
                    clinic_id=clinic_actor.clinic_id,
                    patient_id=patient_id,
                    practitioner_id=user_id,
                    starts_at=start - timedelta(minutes=n),
                )
            )
        actor = Actor(user_id, clinic_actor.clinic_id, Role.PRACTITIONER)
        with session_scope() as session:
            editing.open_for_editing(session, actor, next_id + n)
            token = accounts.sign_in(session, email, PASSWORD, "127.0.0.1")
        pairs.append((token, next_id + n))
    return pairs


def lost_operations(layout: Layout, tally: Tally) -> int:
    lost = 0
    for appointment_id, sent in tally.lines.items():
        drawing, form = layout.stored(appointment_id)
        kept = {line["id"] for line in drawing["lines"]}
        lost += len(sent - kept)
        typed = tally.last_value.get(appointment_id)
        lost += typed is not None and form.get(FIELD) != typed
    return lost


async def drive(
    layout: Layout, editors: list[tuple[str, int]], seconds: float, tally: Tally
) -> tuple[Cpu, Cpu]:
    """Run the editors for ``seconds``, then drain; the CPU used from the end of the
    tabs' opening to the end of the load (the steady part of the phase)."""
    clients = [Editor(layout.url, token, appointment, tally) for token, appointment in editors]
    stop_at = time.monotonic() + seconds
    # Tabs open over the first tenth of the phase, as a clinic's morning does.
    spread = seconds / 10

    async def start(client: Editor, delay: float) -> None:
        await asyncio.sleep(delay)
        await client.run(stop_at)

    async def sample() -> tuple[Cpu, Cpu]:
        await asyncio.sleep(spread)
        before = Cpu.now(layout)
        await asyncio.sleep(max(stop_at - time.monotonic(), 0))
        return before, Cpu.now(layout)

    sampled = asyncio.ensure_future(sample())
    await asyncio.gather(*(start(c, spread * i / len(clients)) for i, c in enumerate(clients)))
    until = time.monotonic() + DRAIN_S
    await asyncio.gather(*(c.drain(until) for c in clients))
    return await sampled


def phase(layout: Layout, name: str, editors: list[tuple[str, int]], seconds: float) -> Result:
    tally = Tally()
    before, after = asyncio.run(drive(layout, editors, seconds, tally))
    wall = after.at - before.at
    acked = sum(before.at <= t <= after.at for t in tally.acked_at)
    result = Result(
        name,
        len(editors),
        seconds,
        tally,
        lost_operations(layout, tally),
        acked / wall,
        [(a - b) / wall for a, b in zip(after.workers, before.workers, strict=True)],
        (after.generator - before.generator) / wall,
        (after.machine[0] - before.machine[0]) / max(after.machine[1] - before.machine[1], 1),
    )
    result.report()
    return result


def run(args: argparse.Namespace) -> None:
    with (
        embedded_admin_url() as admin_url,
        bench_database(admin_url, "medrec_bench_load") as db_url,
        moto_s3() as s3_endpoint,
        tempfile.TemporaryDirectory(prefix="medrec-load-") as root,
    ):
        port = free_port()
        make_bucket(s3_endpoint, port)
        engine = make_engine(db_url)
        parts = Parts(db_url, s3_endpoint, Path(root), port)
        with contextlib.contextmanager(start_layout)(parts, engine) as layout:
            clinic = make_clinic("Load clinic", appointments=0)
            admin = clinic.actors[Role.ADMIN]
            most = max(args.editors, 2 * CAPACITY_STEPS[-1])
            emails = practitioners(admin, most)
            print(f"layout up at {layout.url}: {len(layout.workers)} workers")
            seconds = args.minutes * 60

            def editors(count: int) -> list[tuple[str, int]]:
                return make_editors(admin, emails, count)

            three = phase(layout, "3 workers", editors(args.editors), seconds)
            for worker in layout.workers[1:]:
                stop(worker.proc)
            one = phase(layout, "1 worker (baseline)", editors(args.editors), seconds)
            step = one
            for count in CAPACITY_STEPS:
                if step.p(95) > CAPACITY_P95_S:
                    break
                step = phase(layout, "1 worker, capacity step", editors(count), args.step_seconds)
            for worker in layout.workers[1:]:
                worker.start()
            double = phase(
                layout, "3 workers, twice the editors", editors(2 * step.editors), args.step_seconds
            )
            summary(three, one, step, double)
        engine.dispose()


def practitioners(admin: Actor, count: int) -> list[str]:
    tag = secrets.token_hex(4)
    emails = [f"load-{tag}-{n}@bench.example" for n in range(count)]
    with session_scope() as session:
        for n, email in enumerate(emails):
            accounts.create_user(
                session,
                admin,
                email=email,
                full_name=f"Load Practitioner {n}",
                role=Role.PRACTITIONER,
                password=PASSWORD,
            )
    return emails


def summary(three: Result, one: Result, step: Result, double: Result) -> None:
    print("\n== Summary")
    print(
        f"3 workers, {three.editors} editors: p95 {three.p(95):.2f} s "
        f"(target under {TARGET_P95_S} s: {'met' if three.p(95) < TARGET_P95_S else 'missed'}), "
        f"lost {three.lost}"
    )
    print(f"1 worker, {one.editors} editors (baseline): p95 {one.p(95):.2f} s, lost {one.lost}")
    passed = step.p(95) > CAPACITY_P95_S
    print(
        f"1 worker at {step.editors} editors: p95 {step.p(95):.2f} s "
        f"({'passes' if passed else 'does not pass'} {CAPACITY_P95_S} s), "
        f"{step.throughput:.1f} ops/s"
    )
    ratio = double.throughput / step.throughput
    print(
        f"3 workers at {double.editors} editors: p95 {double.p(95):.2f} s, "
        f"{double.throughput:.1f} ops/s = {ratio:.2f}x (target at least 2x)"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--minutes", type=float, default=5.0)
    parser.add_argument("--editors", type=int, default=50)
    parser.add_argument("--step-seconds", type=float, default=60.0)
    run(parser.parse_args())


if __name__ == "__main__":
    main()
