"""`claimdesk --demo` in a real terminal: tmux at 80x24, keys sent, the screen read back."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest

CLAIMDESK = str(Path(sys.executable).with_name("claimdesk"))

# CI sets CLAIMDESK_REQUIRE_SERVICES=1: there a missing tmux fails instead of skipping.
pytestmark = pytest.mark.skipif(
    shutil.which("tmux") is None and not os.environ.get("CLAIMDESK_REQUIRE_SERVICES"),
    reason="tmux is not installed",
)


def _tmux(*args: str) -> str:
    return subprocess.run(["tmux", *args], capture_output=True, text=True, check=True).stdout


def _screen(session: str) -> str:
    return _tmux("capture-pane", "-p", "-t", session)


def _wait_for(session: str, text: str, timeout: float = 90.0) -> str:
    deadline = time.monotonic() + timeout
    screen = ""
    while time.monotonic() < deadline:
        screen = _screen(session)
        if text in screen:
            return screen
        time.sleep(0.2)
    raise AssertionError(f"{text!r} never appeared; the screen was:\n{screen}")


@pytest.mark.parametrize("term", ["xterm-256color", "xterm"], ids=["256-colors", "16-colors"])
def test_demo_in_tmux(tmp_path, term):
    session = f"claimdesk-{uuid.uuid4().hex[:8]}"
    env = {
        "CLAIMDESK_HOME": str(tmp_path),
        "CLAIMDESK_USER": "trainee",
        "TERM": term,
        "COLORTERM": "",  # no truecolor claim: the terminal's TERM decides the palette
        "TEXTUAL_ANIMATIONS": "none",
    }
    env_args = [f"{k}={v}" for k, v in env.items()]
    command = " ".join(["env", *env_args, CLAIMDESK, "--demo"])
    _tmux("new-session", "-d", "-s", session, "-x", "80", "-y", "24", command)
    try:
        screen = _wait_for(session, "Denied or short-paid")  # the queues have loaded
        assert "Work queues" in screen and "Visits to code" in screen and "trainee" in screen
        lines = screen.splitlines()
        assert len(lines) <= 24 and all(len(line) <= 80 for line in lines)
        styled = _tmux("capture-pane", "-p", "-e", "-t", session)
        if term == "xterm":  # 16 colors: no 256-color or truecolor escapes may reach the screen
            assert "38;5;" not in styled and "38;2;" not in styled and "48;5;" not in styled
        else:
            assert "38;5;" in styled or "48;5;" in styled
        _tmux("send-keys", "-t", session, "F9")
        _wait_for(session, "All code sets")
        _tmux("send-keys", "-t", session, "-l", "diabetes without complications")
        screen = _wait_for(session, "E11.9")
        assert "Type 2 diabetes mellitus without complications" in screen
        _tmux("send-keys", "-t", session, "F2")
        _wait_for(session, "Work queues")
        _tmux("send-keys", "-t", session, "C-q")
        deadline = time.monotonic() + 15
        while time.monotonic() < deadline:
            alive = subprocess.run(["tmux", "has-session", "-t", session], capture_output=True)
            if alive.returncode != 0:
                break
            time.sleep(0.2)
        else:
            raise AssertionError("ctrl+q did not quit")
    finally:
        subprocess.run(["tmux", "kill-session", "-t", session], capture_output=True)
    # The demo lives apart from the real database, which was never created.
    assert (tmp_path / "claimdesk-demo.db").exists()
    assert not (tmp_path / "claimdesk.db").exists()
    assert os.path.getsize(tmp_path / "claimdesk-demo.db") > 1_000_000
