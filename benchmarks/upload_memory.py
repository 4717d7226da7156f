"""Upload a file at the size limit through the REST route: backend memory and throughput.

The backend runs as its own process (granian serving ``medrec_app.api.build_api()``, the
ASGI server the app itself runs on) against a fresh embedded database, with the S3 store
on a moto server. Printed: the backend's peak RSS growth during the upload (``VmHWM``
reset through ``/proc/PID/clear_refs`` after a warm-up upload), and the upload's
throughput against a plain boto3 ``upload_fileobj`` of the same bytes to the same moto
endpoint in the same run.

    python benchmarks/upload_memory.py [--runs 5]
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import os
import random
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

MB = 1024 * 1024
LIMIT = 100 * MB
MEMORY_TARGET_MB = 64
THROUGHPUT_TARGET = 0.70
BUCKET = "medrec-bench"
PAGE_SIDE = 1024  # each page is one 1024 x 1024 RGB image, 3 MB of raw samples


def serve(port: int) -> None:
    """The backend process: the API app on ``port`` until it is terminated."""
    from granian.constants import Interfaces
    from granian.server.embed import Server

    from medrec_app.api import build_api

    server = Server(
        build_api(), address="127.0.0.1", port=port, interface=Interfaces.ASGI, log_enabled=False
    )
    asyncio.run(server.serve())


def write_pdf(path: Path, size: int) -> None:
    """A valid PDF of exactly ``size`` bytes: pages of incompressible raw image samples.

    A comment after the header pads it to the exact size; offsets are computed after it.
    """
    rng = random.Random(4)
    pages = max(1, (size - 64 * 1024) // (PAGE_SIDE * PAGE_SIDE * 3))
    pad = 0
    for _ in range(5):
        chunks = _pdf_chunks(pages, pad, rng)
        total = sum(len(c) if isinstance(c, bytes) else c for c in chunks)
        if total == size:
            break
        pad += size - total
    with path.open("wb") as out:
        rng = random.Random(4)
        for chunk in _pdf_chunks(pages, pad, rng, materialise=True):
            out.write(chunk)
    assert path.stat().st_size == size, path.stat().st_size


def _pdf_chunks(pages: int, pad: int, rng: random.Random, *, materialise: bool = False):
    """The PDF as a list of byte strings (image data as its length unless materialised)."""
    image_len = PAGE_SIDE * PAGE_SIDE * 3
    objects: list[list[bytes | int]] = []
    kids = " ".join(f"{3 + 3 * i} 0 R" for i in range(pages))
    objects.append([b"<< /Type /Catalog /Pages 2 0 R >>"])
    objects.append([f"<< /Type /Pages /Kids [{kids}] /Count {pages} >>".encode()])
    for i in range(pages):
        content, image = 4 + 3 * i, 5 + 3 * i
        objects.append(
            [
                f"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents {content} 0 R "
                f"/Resources << /XObject << /Im{i} {image} 0 R >> >> >>".encode()
            ]
        )
        draw = f"q 612 0 0 792 0 0 cm /Im{i} Do Q".encode()
        objects.append([b"<< /Length %d >>\nstream\n" % len(draw), draw, b"\nendstream"])
        data: bytes | int = rng.randbytes(image_len) if materialise else image_len
        header = (
            f"<< /Type /XObject /Subtype /Image /Width {PAGE_SIDE} /Height {PAGE_SIDE} "
            f"/ColorSpace /DeviceRGB /BitsPerComponent 8 /Length {image_len} >>\nstream\n"
        ).encode()
        objects.append([header, data, b"\nendstream"])
    chunks: list[bytes | int] = [
        b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n",
        b"%" + b"0" * max(pad, 0) + b"\n",
    ]
    offset = sum(len(c) for c in chunks if isinstance(c, bytes))
    offsets = []
    for number, parts in enumerate(objects, start=1):
        offsets.append(offset)
        body = [f"{number} 0 obj\n".encode(), *parts, b"\nendobj\n"]
        chunks += body
        offset += sum(len(p) if isinstance(p, bytes) else p for p in body)
    xref = [f"xref\n0 {len(objects) + 1}\n0000000000 65535 f \n".encode()]
    xref += [f"{o:010d} 00000 n \n".encode() for o in offsets]
    trailer = f"trailer\n<< /Size {len(objects) + 1} /Root 1 0 R >>\nstartxref\n{offset}\n%%EOF\n"
    return [*chunks, *xref, trailer.encode()]


def _status(pid: int, field: str) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1]) * 1024
    raise KeyError(field)


def reset_peak(pid: int) -> int:
    """Reset the process's peak RSS to its current RSS; returns that RSS in bytes."""
    Path(f"/proc/{pid}/clear_refs").write_text("5")
    return _status(pid, "VmRSS")


def sign_in(client: httpx.Client, email: str, password: str) -> None:
    answer = client.post("/auth/sign-in", data={"email": email, "password": password})
    if answer.status_code != 303 or not client.cookies:
        raise RuntimeError(f"sign-in failed: {answer.status_code}")


def post_file(client: httpx.Client, patient_id: int, path: Path, name: str, kind: str) -> float:
    """Upload ``path``; returns seconds from the first byte sent to the 201 answer."""
    with path.open("rb") as stream:
        started = time.perf_counter()
        answer = client.post(
            f"/api/patients/{patient_id}/files", files={"file": (name, stream, kind)}
        )
        elapsed = time.perf_counter() - started
    if answer.status_code != 201:
        raise RuntimeError(f"upload answered {answer.status_code}: {answer.text[:300]}")
    return elapsed


def boto3_upload(client, path: Path, key: str) -> float:
    with path.open("rb") as stream:
        started = time.perf_counter()
        client.upload_fileobj(stream, BUCKET, key)
        return time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--serve", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.serve:
        serve(args.serve)
        return
    run(args.runs)


def run(runs: int) -> None:
    from moto.server import ThreadedMotoServer

    from benchmarks._harness import bench_database, embedded_admin_url, stop_group
    from medrec_app.domain.permissions import Role
    from medrec_app.storage.s3 import make_s3_client
    from tests.e2e.conftest import _free_port
    from tests.plugins.factories import PASSWORD, make_clinic

    for name, value in {
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
        "AWS_DEFAULT_REGION": "us-east-1",
        "AWS_CONFIG_FILE": "/nonexistent/aws-config",
        "AWS_SHARED_CREDENTIALS_FILE": "/nonexistent/aws-credentials",
    }.items():
        os.environ[name] = value
    logging.getLogger("werkzeug").setLevel(logging.ERROR)  # moto's request log
    wall = time.perf_counter()
    moto = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    moto.start()
    host, moto_port = moto.get_host_and_port()
    endpoint = f"http://{host}:{moto_port}"
    s3 = make_s3_client("us-east-1", endpoint)
    s3.create_bucket(Bucket=BUCKET)
    try:
        with (
            embedded_admin_url() as admin_url,
            bench_database(admin_url, "medrec_bench_upload") as db_url,
            tempfile.TemporaryDirectory(prefix="medrec-upload-bench-") as scratch,
        ):
            clinic = make_clinic("Upload bench")
            big, small = Path(scratch) / "limit.pdf", Path(scratch) / "small.pdf"
            write_pdf(big, LIMIT)
            write_pdf(small, 4 * MB)
            port = _free_port()
            env = {
                **os.environ,
                "DATABASE_URL": db_url,
                "MEDREC_STORAGE_BACKEND": "s3",
                "MEDREC_S3_BUCKET": BUCKET,
                "MEDREC_S3_ENDPOINT_URL": endpoint,
                "MEDREC_MAX_UPLOAD_BYTES": str(LIMIT),
            }
            log = (Path(scratch) / "backend.log").open("w")
            backend = subprocess.Popen(
                [sys.executable, __file__, "--serve", str(port)],
                cwd=ROOT,
                env=env,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
            try:
                url = f"http://127.0.0.1:{port}"
                _wait_for(url, backend)
                measure(url, backend.pid, clinic, PASSWORD, Role.FRONT_DESK, big, small, s3, runs)
            finally:
                stop_group(backend)
    finally:
        moto.stop()
    print(f"\ntotal wall time: {time.perf_counter() - wall:.1f} s")


def _wait_for(url: str, proc: subprocess.Popen) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"backend exited with {proc.returncode}")
        try:
            httpx.get(f"{url}/api/openapi.json", timeout=2)
            return
        except httpx.TransportError:
            time.sleep(0.2)
    raise TimeoutError("backend did not start")


def measure(url, pid, clinic, password, role, big, small, s3, runs) -> None:
    patient_id = clinic.patient_ids[0]
    client = httpx.Client(base_url=url, headers={"Origin": url}, timeout=600)
    sign_in(client, clinic.emails[role], password)
    post_file(client, patient_id, small, "warm-up.pdf", "application/pdf")
    boto3_upload(s3, small, "warm-up")
    print(
        f"file: {big.stat().st_size:,} bytes ({big.stat().st_size / MB:.0f} MB), a PDF of "
        f"{PAGE_SIDE}x{PAGE_SIDE} raw RGB image pages; backend pid {pid}"
    )
    print(
        f"{'run':>3} {'app s':>8} {'app MB/s':>9} {'boto3 s':>8} {'boto3 MB/s':>10} "
        f"{'ratio':>6} {'peak RSS growth':>16}"
    )
    ratios, growths = [], []
    for run_number in range(1, runs + 1):
        # Alternate which goes first, so a burst of load elsewhere hits both alike.
        if run_number % 2 == 0:
            raw_s = boto3_upload(s3, big, f"baseline-{run_number}")
        baseline_rss = reset_peak(pid)
        app_s = post_file(client, patient_id, big, f"limit-{run_number}.pdf", "application/pdf")
        growth = (_status(pid, "VmHWM") - baseline_rss) / MB
        if run_number % 2 == 1:
            raw_s = boto3_upload(s3, big, f"baseline-{run_number}")
        size_mb = big.stat().st_size / MB
        ratio = raw_s / app_s
        ratios.append(ratio)
        growths.append(growth)
        print(
            f"{run_number:>3} {app_s:>8.2f} {size_mb / app_s:>9.1f} {raw_s:>8.2f} "
            f"{size_mb / raw_s:>10.1f} {ratio:>6.2f} {growth:>13.1f} MB"
        )
    worst = max(growths)
    median_ratio = statistics.median(ratios)
    # Later runs may reuse memory the allocator kept from earlier ones: run 1 is the
    # growth from a heap that has not seen a large upload yet.
    print(f"peak RSS growth, first run: {growths[0]:.1f} MB")
    print(
        f"peak RSS growth, worst of {runs}: {worst:.1f} MB (target < {MEMORY_TARGET_MB} MB: "
        f"{'met' if worst < MEMORY_TARGET_MB else 'MISSED'})"
    )
    print(
        f"throughput app/boto3, median: {median_ratio:.0%} (target >= "
        f"{THROUGHPUT_TARGET:.0%}: {'met' if median_ratio >= THROUGHPUT_TARGET else 'MISSED'})"
    )


if __name__ == "__main__":
    main()
