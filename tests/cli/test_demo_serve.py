"""``make demo`` as a person runs it in a terminal: it ends by serving the API and the office
pages, prints where and how to log in, and Ctrl-C stops it with exit 0 and no make error."""

from __future__ import annotations

import os
import pty
import re
import select
import socket
import sys
import time
from pathlib import Path

import httpx
import pytest

pytestmark = pytest.mark.slow

REPO = Path(__file__).parents[2]
FAST = REPO / "training" / "fast.yaml"


def _read(fd: int, until, timeout: float) -> str:
    out, deadline = b"", time.monotonic() + timeout
    while time.monotonic() < deadline:
        ready, _, _ = select.select([fd], [], [], 1.0)
        if ready:
            try:
                chunk = os.read(fd, 65536)
            except OSError:  # the terminal closed: every process on it has exited
                break
            if not chunk:
                break
            out += chunk
            if until(out.decode("utf-8", "replace")):
                break
    return out.decode("utf-8", "replace")


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_make_demo_serves_the_pages_with_a_demo_login_and_ctrl_c_ends_it_cleanly(tmp_path):
    venv, port = Path(sys.prefix), _free_port()
    args = f"--households 1000 --start 2022-01-01 --end 2024-12-31 --config {FAST} --port {port}"
    pid, fd = pty.fork()  # the child runs on its own terminal, as in a shell
    if pid == 0:
        os.chdir(tmp_path)
        os.execvp("make", ["make", "-f", str(REPO / "Makefile"), "demo", f"VENV={venv}",
                           "-o", f"{venv}/.installed", f"DEMO_ARGS={args}"])
    text = _read(fd, lambda t: "Ctrl-C stops the server" in t, timeout=1500)
    login = re.search(r"office pages: (http://127\.0\.0\.1:\d+/)\s+\(login (\S+) / (\S+),", text)
    assert login, text[-3000:]
    assert re.search(r"demo API key \(admin\): rk_", text)
    base, user, password = login.groups()
    deadline = time.monotonic() + 180
    with httpx.Client(base_url=base, follow_redirects=False, timeout=10) as client:
        while True:
            try:
                form = client.get("/login")
                break
            except httpx.TransportError:
                assert time.monotonic() < deadline, "the demo server did not come up"
                time.sleep(1)
        token = re.search(r'name="csrf_token" value="([^"]+)"', form.text).group(1)
        signed = client.post("/login", data={"username": user, "password": password, "csrf_token": token})
        assert signed.status_code == 303
        page = client.get("/")
        assert page.status_code == 200 and "本周名单" in page.text
    os.write(fd, b"\x03")  # Ctrl-C, typed at the terminal
    text += _read(fd, lambda t: False, timeout=120)
    _, status = os.waitpid(pid, 0)
    assert os.WIFEXITED(status) and os.WEXITSTATUS(status) == 0, text[-2000:]
    assert "make: ***" not in text and "Traceback" not in text
