"""A throwaway OpenSSH SFTP server for the tests, listening on 127.0.0.1 only.

``sftp_server()`` is a context manager: it makes a temp folder, generates an ed25519 host key
and a client key with ssh-keygen, writes an sshd_config that only offers key login and SFTP
(``ForceCommand internal-sftp -d <root>`` so relative paths land in the temp folder), starts
``/usr/sbin/sshd -D -e`` on a free port and yields an ``SftpServer`` with what a client needs.

Where OpenSSH's server is not installed, ``sftp_server()`` raises ``SftpServerUnavailable``;
``sftp_server_or_skip()`` turns that into a skip, or into a failure when
``CLAIMDESK_REQUIRE_SERVICES`` is set (CI sets it, so a missing sshd cannot hide there).
Each pytest-xdist worker starts its own server on its own port.
"""

from __future__ import annotations

import contextlib
import getpass
import os
import shutil
import socket
import subprocess
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

SSHD = "/usr/sbin/sshd"  # sshd refuses to start unless called by an absolute path


class SftpServerUnavailable(RuntimeError):
    """OpenSSH's server is not installed here, or it could not start."""


@dataclass(frozen=True)
class SftpServer:
    host: str
    port: int
    username: str
    key_path: Path  # private key the server accepts
    other_key_path: Path  # a valid private key the server does NOT accept
    host_key_fingerprint: str  # "SHA256:..." as ssh-keygen -lf prints it
    host_public_key: str  # "ssh-ed25519 AAAA..." (for a known_hosts line)
    root: Path  # the folder SFTP clients start in; relative paths resolve here

    def known_hosts_line(self) -> str:
        return f"[{self.host}]:{self.port} {self.host_public_key}\n"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _keygen(ssh_keygen: str, path: Path) -> None:
    subprocess.run(
        [ssh_keygen, "-q", "-t", "ed25519", "-N", "", "-C", path.name, "-f", str(path)],
        check=True,
        capture_output=True,
        timeout=30,
    )


def _fingerprint(ssh_keygen: str, public_key: Path) -> str:
    out = subprocess.run(
        [ssh_keygen, "-l", "-E", "sha256", "-f", str(public_key)],
        check=True,
        capture_output=True,
        text=True,
        timeout=30,
    ).stdout
    return next(word for word in out.split() if word.startswith("SHA256:"))


def _wait_for_port(host: str, port: int, proc: subprocess.Popen, log: Path, limit: float) -> None:
    deadline = time.monotonic() + limit
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise SftpServerUnavailable(
                f"sshd exited with code {proc.returncode}: {log.read_text(errors='replace')[-800:]}"
            )
        try:
            with socket.create_connection((host, port), timeout=0.5):
                return
        except OSError:
            time.sleep(0.05)
    raise SftpServerUnavailable(f"sshd did not open port {port} within {limit:.0f} seconds")


def _start(
    base: Path, ssh_keygen: str, start_timeout: float
) -> tuple[subprocess.Popen, SftpServer]:
    keys = base / "keys"
    root = base / "root"
    keys.mkdir()
    root.mkdir()
    host_key, client_key, other_key = keys / "host", keys / "client", keys / "stranger"
    for key in (host_key, client_key, other_key):
        _keygen(ssh_keygen, key)
    authorized = keys / "authorized_keys"
    authorized.write_text(client_key.with_suffix(".pub").read_text())
    host = "127.0.0.1"
    port = _free_port()
    config = base / "sshd_config"
    config.write_text(
        "\n".join(
            [
                f"ListenAddress {host}:{port}",
                f"HostKey {host_key}",
                f"PidFile {base / 'sshd.pid'}",
                f"AuthorizedKeysFile {authorized}",
                "PubkeyAuthentication yes",
                "PasswordAuthentication no",
                "KbdInteractiveAuthentication no",
                "PermitRootLogin prohibit-password",
                "StrictModes no",
                "UsePAM no",
                "AllowTcpForwarding no",
                "X11Forwarding no",
                "Subsystem sftp internal-sftp",
                f"ForceCommand internal-sftp -d {root}",
                "LogLevel ERROR",
                "",
            ]
        )
    )
    if os.geteuid() == 0:  # privilege separation wants this folder when sshd runs as root
        with contextlib.suppress(OSError):
            os.makedirs("/run/sshd", mode=0o755, exist_ok=True)
    log = base / "sshd.log"
    with open(log, "wb") as log_file:
        proc = subprocess.Popen(
            [SSHD, "-D", "-e", "-f", str(config)],
            stdin=subprocess.DEVNULL,
            stdout=log_file,
            stderr=subprocess.STDOUT,
        )
    try:
        _wait_for_port(host, port, proc, log, start_timeout)
        server = SftpServer(
            host=host,
            port=port,
            username=getpass.getuser(),
            key_path=client_key,
            other_key_path=other_key,
            host_key_fingerprint=_fingerprint(ssh_keygen, host_key.with_suffix(".pub")),
            host_public_key=" ".join(host_key.with_suffix(".pub").read_text().split()[:2]),
            root=root,
        )
    except BaseException:
        _stop(proc)
        raise
    return proc, server


def _stop(proc: subprocess.Popen) -> None:
    if proc.poll() is None:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(timeout=10)


@contextlib.contextmanager
def sftp_server(start_timeout: float = 15.0) -> Iterator[SftpServer]:
    ssh_keygen = shutil.which("ssh-keygen")
    if not os.path.exists(SSHD) or ssh_keygen is None:
        raise SftpServerUnavailable(f"OpenSSH server not installed ({SSHD} or ssh-keygen missing)")
    base = Path(tempfile.mkdtemp(prefix="claimdesk-sftp-", dir="/tmp"))
    try:
        try:
            proc, server = _start(base, ssh_keygen, start_timeout)
        except (OSError, subprocess.SubprocessError) as exc:
            raise SftpServerUnavailable(f"sshd could not start: {exc}") from exc
        try:
            yield server
        finally:
            _stop(proc)
    finally:
        shutil.rmtree(base, ignore_errors=True)


@contextlib.contextmanager
def sftp_server_or_skip() -> Iterator[SftpServer]:
    """``sftp_server()`` for pytest fixtures: skip when sshd is missing, fail on CI."""
    import pytest

    with contextlib.ExitStack() as stack:
        try:
            server = stack.enter_context(sftp_server())
        except SftpServerUnavailable as exc:
            if os.environ.get("CLAIMDESK_REQUIRE_SERVICES"):  # CI: a missing server fails
                pytest.fail(f"SFTP server could not start: {exc}")
            pytest.skip(f"no SFTP server available here: {exc}")
        yield server
