"""What `make run` does, step by step, in real processes: demo practice, then serve with the scheduler."""
from __future__ import annotations

import os
import stat
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

from tests.conftest import free_port

pytestmark = pytest.mark.slow
ROOT = Path(__file__).resolve().parent.parent
FLASK = [sys.executable, "-m", "flask", "--app", "wsgi"]


def _env(instance: Path, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("KOERS_")}
    env.update({"KOERS_INSTANCE": str(instance), "KOERS_ARGON2_TIME_COST": "1", "KOERS_ARGON2_MEMORY_COST_KIB": "8", "KOERS_ARGON2_PARALLELISM": "1"})
    env.update(extra)
    return env


def _flask(instance: Path, *args: str, **extra: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([*FLASK, *args], cwd=ROOT, env=_env(instance, **extra), capture_output=True, text=True, timeout=60)


def test_it_creates_the_demo_practice_once_and_prints_its_logins_once(tmp_path):
    instance = tmp_path / "instance"
    first = _flask(instance, "demo", "--if-missing", KOERS_DEMO_PASSWORD="harbour-lantern-fig")
    assert first.returncode == 0, first.stderr
    for email in ("admin@demo.test", "coach@demo.test", "client@demo.test"):
        assert email in first.stdout
    assert "harbour-lantern-fig" in first.stdout

    again = _flask(instance, "demo", "--if-missing")
    assert again.returncode == 0
    assert "harbour-lantern-fig" not in again.stdout and "password" not in again.stdout.lower().split("reset")[0]

    for secret in (instance / "secret_key", instance / "keys" / "master.key", instance / "keys" / "demo.key"):
        assert stat.S_IMODE(secret.stat().st_mode) == 0o600, secret
    assert (instance / "tenants" / "demo.sqlite").exists()


def test_it_generates_a_demo_password_when_none_is_given(tmp_path):
    result = _flask(tmp_path / "instance", "demo")
    assert result.returncode == 0, result.stderr
    line = next(l for l in result.stdout.splitlines() if "password" in l)
    assert len(line.split(":")[-1].strip()) >= 16


def test_it_serves_the_demo_sign_in_page_with_the_scheduler_in_the_same_process(tmp_path):
    instance = tmp_path / "instance"
    assert _flask(instance, "demo", "--if-missing").returncode == 0
    port = free_port()
    server = subprocess.Popen(
        [*FLASK, "serve"], cwd=ROOT, env=_env(instance, HOST="127.0.0.1", PORT=str(port)),
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
    )
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/demo/login", timeout=2) as response:
                    page = response.read().decode()
                    break
            except OSError:
                if time.monotonic() > deadline or server.poll() is not None:
                    raise
                time.sleep(0.2)
        assert 'name="email"' in page and 'name="password"' in page
        # The scheduler holds the instance's lock: a second scheduler refuses to start.
        second = _flask(instance, "scheduler")
        assert second.returncode != 0
        assert "already running" in second.stderr
    finally:
        server.terminate()
        server.wait(timeout=10)
