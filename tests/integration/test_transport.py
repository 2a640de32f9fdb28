"""Clearinghouse transports: a local folder pair and SFTP against a real loopback OpenSSH server.

Both transports run through the same tests; the clearinghouse's side is looked at directly on
disk (the SFTP server's root is a temp folder on this machine).
"""

from __future__ import annotations

import base64
import hashlib
import os
import socket
import stat
import subprocess
import threading
import uuid
from dataclasses import dataclass
from pathlib import Path

import pytest

from core.errors import ValidationError
from core.exchange.transport import (
    LocalDirTransport,
    RemoteFile,
    SftpTransport,
    Transport,
    TransportError,
    parse_fingerprint,
    part_name,
    transport_from_config,
)
from tests.sftp import SftpServer

CLAIM = (
    b"ISA*00*          *00*          *ZZ*SUBMITTER      *ZZ*RECEIVER       ~ST*837*0001~SE*2*0001~"
)
BIG = bytes(range(256)) * 1200  # 300 KB: several SFTP write requests in flight


@dataclass
class Side:
    """A transport plus the clearinghouse's view of its two folders."""

    kind: str
    transport: Transport
    outbox: Path  # where what we send lands
    inbox: Path  # where the clearinghouse leaves answers for us


def _sftp_folders(server: SftpServer) -> tuple[str, Path]:
    """A fresh folder pair on the shared server so tests do not see each other's files."""
    name = f"t-{uuid.uuid4().hex[:10]}"
    base = server.root / name
    (base / "to_payer").mkdir(parents=True)
    (base / "from_payer").mkdir()
    return name, base


def _sftp(server: SftpServer, folder: str, **overrides) -> SftpTransport:
    options = dict(
        key_path=server.key_path,
        host_key_fingerprint=server.host_key_fingerprint,
        upload_dir=f"{folder}/to_payer",
        download_dir=f"{folder}/from_payer",
        timeout=5,
    )
    options.update(overrides)
    return SftpTransport(server.host, server.port, server.username, **options)


@pytest.fixture(params=["local", "sftp"])
def side(request, tmp_path):
    if request.param == "local":
        transport = LocalDirTransport(tmp_path / "out", tmp_path / "in")
        made = Side("local", transport, tmp_path / "out", tmp_path / "in")
    else:
        server = request.getfixturevalue("sftp_server")
        folder, base = _sftp_folders(server)
        made = Side("sftp", _sftp(server, folder), base / "to_payer", base / "from_payer")
    with made.transport:
        yield made


def assert_plain(message: str) -> None:
    """A sentence a biller can read: no traceback, no library internals."""
    assert message.endswith("."), message
    assert "\n" not in message, message
    for leak in ("Traceback", 'File "', "paramiko", "Errno", "Exception", "<", "0x"):
        assert leak not in message, message


def _drop(folder: Path, name: str, data: bytes, mtime: float | None = None) -> None:
    (folder / name).write_bytes(data)
    if mtime is not None:
        os.utime(folder / name, (mtime, mtime))


# --- sending ----------------------------------------------------------------------------------


def test_send_puts_the_same_bytes_under_the_final_name(side):
    side.transport.send("claims-0001.837", BIG)
    assert (side.outbox / "claims-0001.837").read_bytes() == BIG
    assert sorted(os.listdir(side.outbox)) == ["claims-0001.837"]  # no temporary left behind


def test_the_file_is_written_under_a_hidden_name_and_renamed_when_complete(side, monkeypatch):
    seen = []
    publish = side.transport._publish

    def spy(part, final):
        seen.append({p.name: p.read_bytes() for p in side.outbox.iterdir()})
        return publish(part, final)

    monkeypatch.setattr(side.transport, "_publish", spy)
    side.transport.send("batch.837", BIG)
    # While the bytes were on their way, only the hidden temporary name existed, already whole.
    assert seen == [{part_name("batch.837"): BIG}]
    assert part_name("batch.837") == ".batch.837.part"
    assert sorted(os.listdir(side.outbox)) == ["batch.837"]


def test_sending_the_same_file_twice_is_harmless(side):
    side.transport.send("x.837", CLAIM)
    first = (side.outbox / "x.837").stat()
    side.transport.send("x.837", CLAIM)
    again = (side.outbox / "x.837").stat()
    assert (again.st_ino, again.st_mtime_ns) == (first.st_ino, first.st_mtime_ns)  # not rewritten
    assert sorted(os.listdir(side.outbox)) == ["x.837"]


def test_a_different_file_under_a_taken_name_is_refused(side):
    side.transport.send("x.837", CLAIM)
    with pytest.raises(TransportError, match="different file named 'x.837'") as caught:
        side.transport.send("x.837", CLAIM + b"EXTRA~")
    assert_plain(str(caught.value))
    assert (side.outbox / "x.837").read_bytes() == CLAIM
    assert sorted(os.listdir(side.outbox)) == ["x.837"]


def test_a_name_taken_while_uploading_is_not_overwritten(side, monkeypatch):
    publish = side.transport._publish

    def someone_else_first(part, final):
        (side.outbox / "x.837").write_bytes(b"their file")
        return publish(part, final)

    monkeypatch.setattr(side.transport, "_publish", someone_else_first)
    with pytest.raises(TransportError, match="different file"):
        side.transport.send("x.837", CLAIM)
    assert (side.outbox / "x.837").read_bytes() == b"their file"
    assert sorted(os.listdir(side.outbox)) == ["x.837"]  # our temporary was cleaned up


def test_a_stale_temporary_from_a_broken_upload_is_replaced(side):
    (side.outbox / ".x.837.part").write_bytes(b"half a fi")
    side.transport.send("x.837", CLAIM)
    assert (side.outbox / "x.837").read_bytes() == CLAIM
    assert sorted(os.listdir(side.outbox)) == ["x.837"]


@pytest.mark.parametrize(
    "name", ["../escape.837", "sub/x.837", "..", ".hidden", "x.837.part", "", "a\nb", "x" * 300]
)
def test_unusable_names_are_refused_before_anything_is_written(side, name):
    with pytest.raises(TransportError) as caught:
        side.transport.send(name, CLAIM)
    assert_plain(str(caught.value))
    assert os.listdir(side.outbox) == []
    assert not (side.outbox.parent / "escape.837").exists()


def test_only_bytes_can_be_sent(side):
    with pytest.raises(TransportError, match="bytes"):
        side.transport.send("x.837", "ISA*00~")  # type: ignore[arg-type]


def test_permission_denied_is_a_plain_sentence(side, tmp_path):
    if os.geteuid() != 0:
        locked = side.outbox
        locked.chmod(0o555)
    elif Path("/sys/kernel").is_dir():
        locked = Path("/sys/kernel")  # sysfs refuses new files even to root
    else:
        pytest.skip("running as root without sysfs: no folder refuses root here")
    try:
        if side.kind == "local":
            transport = LocalDirTransport(locked, tmp_path / "in2")
        else:
            transport = SftpTransport(
                side.transport.host,
                side.transport.port,
                side.transport.username,
                key_path=side.transport.key_path,
                host_key_fingerprint=side.transport.host_key_fingerprint,
                upload_dir=str(locked),
                download_dir=side.transport.download_dir,
            )
        with transport, pytest.raises(TransportError) as caught:
            transport.send("x.837", CLAIM)
    finally:
        side.outbox.chmod(0o755)
    assert str(caught.value) == f"Permission denied writing {locked / 'x.837'}."
    assert not (locked / "x.837").exists()


# --- answers ----------------------------------------------------------------------------------


def test_answers_are_listed_fetched_and_archived(side):
    _drop(side.inbox, "835_remit.x12", b"ISA*835~", mtime=1_700_000_200)
    _drop(side.inbox, "999_ack.x12", b"ISA*999~" * 10, mtime=1_700_000_100)
    _drop(side.inbox, ".hidden", b"x")
    _drop(side.inbox, ".277.x12.part", b"x")
    _drop(side.inbox, "upload.filepart", b"x")
    _drop(side.inbox, "copying.tmp", b"x")
    (side.inbox / "subfolder").mkdir()
    (side.inbox / "archive").mkdir()
    t = side.transport

    waiting = t.list_answers()
    assert [f.name for f in waiting] == ["999_ack.x12", "835_remit.x12"]  # oldest first
    assert waiting[0] == RemoteFile("999_ack.x12", 80, waiting[0].mtime) and waiting[
        0
    ].mtime.timestamp() == pytest.approx(1_700_000_100)
    assert waiting[0].mtime.utcoffset().total_seconds() == 0

    assert t.fetch("999_ack.x12") == b"ISA*999~" * 10
    t.acknowledge("999_ack.x12")
    assert (side.inbox / "archive" / "999_ack.x12").read_bytes() == b"ISA*999~" * 10
    assert not (side.inbox / "999_ack.x12").exists()
    assert [f.name for f in t.list_answers()] == ["835_remit.x12"]
    with pytest.raises(TransportError, match="no file named '999_ack.x12' waiting") as caught:
        t.fetch("999_ack.x12")
    assert_plain(str(caught.value))


def test_acknowledge_creates_the_archive_and_never_overwrites_it(side):
    t = side.transport
    _drop(side.inbox, "999.x12", b"first")
    t.acknowledge("999.x12")
    assert (side.inbox / "archive").is_dir()
    _drop(side.inbox, "999.x12", b"second")  # the clearinghouse reused the name
    t.acknowledge("999.x12")
    archive = side.inbox / "archive"
    assert (archive / "999.x12").read_bytes() == b"first"
    assert (archive / "999.x12.2").read_bytes() == b"second"
    assert t.list_answers() == []


def test_fetching_or_acknowledging_what_is_not_there_is_a_plain_error(side):
    (side.inbox / "folder.x12").mkdir()
    for name in ("missing.x12", "folder.x12"):
        with pytest.raises(TransportError, match="no file named") as caught:
            side.transport.fetch(name)
        assert_plain(str(caught.value))
        with pytest.raises(TransportError, match="no file named"):
            side.transport.acknowledge(name)
    with pytest.raises(TransportError):
        side.transport.fetch("../out/x")
    assert not (side.inbox / "archive").exists()


def test_transports_follow_the_protocol(side):
    assert isinstance(side.transport, Transport)
    with side.transport as same:
        assert same is side.transport
    side.transport.close()  # twice is fine
    side.transport.send("after-close.837", CLAIM)  # SFTP reconnects on demand
    assert (side.outbox / "after-close.837").read_bytes() == CLAIM


# --- local specifics --------------------------------------------------------------------------


def test_local_folders_are_created_and_described(tmp_path):
    t = LocalDirTransport(tmp_path / "a" / "out", tmp_path / "a" / "in")
    assert (tmp_path / "a" / "out").is_dir() and (tmp_path / "a" / "in").is_dir()
    assert str(tmp_path / "a" / "out") in t.describe()
    with pytest.raises(ValidationError, match="different folders"):
        LocalDirTransport(tmp_path / "same", tmp_path / "same")
    (tmp_path / "file").write_text("x")
    with pytest.raises(TransportError, match="not a folder"):
        LocalDirTransport(tmp_path / "file", tmp_path / "in")


# --- SFTP specifics ---------------------------------------------------------------------------


@pytest.fixture
def remote(sftp_server):
    folder, base = _sftp_folders(sftp_server)
    return sftp_server, folder, base


def test_sftp_describe_never_shows_the_password(remote):
    server, folder, _ = remote
    t = _sftp(server, folder, password="hunter2")
    assert t.describe() == f"sftp://{server.username}@127.0.0.1:{server.port}/"
    assert "hunter2" not in repr(t)


def test_sftp_wrong_key_is_refused_clearly(remote):
    server, folder, base = remote
    with _sftp(server, folder, key_path=server.other_key_path) as t:
        with pytest.raises(TransportError) as caught:
            t.send("x.837", CLAIM)
    assert str(caught.value) == (
        f"The SFTP server refused the login for user '{server.username}' (check the key)."
    )
    assert os.listdir(base / "to_payer") == []


def test_sftp_password_login_refused_when_the_server_wants_keys(remote):
    server, folder, _ = remote
    with _sftp(server, folder, key_path=None, password="guess") as t:
        with pytest.raises(TransportError, match=r"refused the login .* \(check the password\)\."):
            t.list_answers()


def test_sftp_wrong_host_key_fingerprint_stops_before_sending(remote):
    server, folder, base = remote
    wrong = "SHA256:" + base64.b64encode(hashlib.sha256(b"impostor").digest()).decode().rstrip("=")
    with _sftp(server, folder, host_key_fingerprint=wrong) as t:
        with pytest.raises(TransportError) as caught:
            t.send("x.837", CLAIM)
    message = str(caught.value)
    assert message.startswith(
        "The server's host key does not match the one on file (possible impersonation); "
        "nothing was sent."
    )
    assert server.host_key_fingerprint in message
    assert_plain(message)
    assert os.listdir(base / "to_payer") == []


def test_sftp_known_hosts_file_is_honoured(remote, tmp_path):
    server, folder, base = remote
    good = tmp_path / "known_hosts"
    good.write_text(server.known_hosts_line())
    with _sftp(server, folder, host_key_fingerprint=None, known_hosts_path=good) as t:
        t.send("x.837", CLAIM)
    assert (base / "to_payer" / "x.837").read_bytes() == CLAIM

    other_key = Path(str(server.other_key_path) + ".pub").read_text().split()[:2]
    changed = tmp_path / "changed"
    changed.write_text(f"[{server.host}]:{server.port} {' '.join(other_key)}\n")
    with _sftp(server, folder, host_key_fingerprint=None, known_hosts_path=changed) as t:
        with pytest.raises(TransportError) as caught:
            t.send("y.837", CLAIM)
    assert str(caught.value) == (
        "The server's host key does not match the one on file (possible impersonation); "
        "nothing was sent."
    )
    assert not (base / "to_payer" / "y.837").exists()


def test_sftp_unknown_host_is_not_trusted(remote, tmp_path, monkeypatch):
    server, folder, base = remote
    monkeypatch.setenv("HOME", str(tmp_path))  # an empty ~/.ssh: the server is unknown
    with _sftp(server, folder, host_key_fingerprint=None) as t:
        with pytest.raises(TransportError) as caught:
            t.send("x.837", CLAIM)
    message = str(caught.value)
    assert "not in the known-hosts file" in message and "sent nothing" in message
    assert server.host_key_fingerprint in message  # so the biller can check it with the payer
    assert_plain(message)
    assert os.listdir(base / "to_payer") == []


def test_sftp_nothing_listening_is_a_plain_error(sftp_server):
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        closed_port = s.getsockname()[1]
    t = SftpTransport(
        "127.0.0.1",
        closed_port,
        "billing",
        key_path=sftp_server.key_path,
        host_key_fingerprint=sftp_server.host_key_fingerprint,
    )
    with t, pytest.raises(TransportError) as caught:
        t.list_answers()
    assert str(caught.value) == f"Could not reach 127.0.0.1:{closed_port} (connection refused)."


def test_sftp_a_server_that_is_not_ssh_is_a_plain_error(sftp_server):
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(1)

    def answer_like_a_web_server():
        conn, _ = listener.accept()
        with conn:
            conn.sendall(b"HTTP/1.1 400 Bad Request\r\n\r\n")

    thread = threading.Thread(target=answer_like_a_web_server, daemon=True)
    thread.start()
    try:
        t = _sftp(sftp_server, "x", timeout=3)
        t.port = listener.getsockname()[1]
        with t, pytest.raises(TransportError) as caught:
            t.list_answers()
    finally:
        listener.close()
        thread.join(timeout=5)
    assert "did not answer as an SFTP server should" in str(caught.value)
    assert_plain(str(caught.value))


def test_sftp_key_file_problems_are_plain(remote, tmp_path):
    server, folder, _ = remote
    with pytest.raises(TransportError, match="does not exist"):
        _sftp(server, folder, key_path=tmp_path / "nope").list_answers()
    junk = tmp_path / "junk"
    junk.write_text("not a key\n")
    with pytest.raises(TransportError, match="is not a private key"):
        _sftp(server, folder, key_path=junk).list_answers()
    locked = tmp_path / "locked"
    subprocess.run(
        ["ssh-keygen", "-q", "-t", "ed25519", "-N", "secret", "-f", str(locked)],
        check=True,
        capture_output=True,
    )
    with pytest.raises(TransportError, match="protected by a passphrase") as caught:
        _sftp(server, folder, key_path=locked).list_answers()
    assert_plain(str(caught.value))


def test_sftp_missing_remote_folder_points_at_the_setting(remote):
    server, folder, _ = remote
    with _sftp(server, folder, upload_dir=f"{folder}/no_such_dir") as t:
        with pytest.raises(TransportError) as caught:
            t.send("x.837", CLAIM)
    assert str(caught.value) == (
        f"The folder '{folder}/no_such_dir' does not exist on 127.0.0.1:{server.port}; "
        "check the upload folder in the connection settings."
    )


def test_sftp_falls_back_to_plain_rename_without_posix_rename(remote, monkeypatch):
    server, folder, base = remote
    with _sftp(server, folder) as t:
        t._connect()

        def unsupported(old, new):
            raise OSError("Operation unsupported")

        monkeypatch.setattr(t._sftp, "posix_rename", unsupported)
        t.send("x.837", CLAIM)
        assert t._posix_rename is False
        (base / "from_payer" / "a.x12").write_bytes(b"a")
        t.acknowledge("a.x12")
    assert (base / "to_payer" / "x.837").read_bytes() == CLAIM
    assert (base / "from_payer" / "archive" / "a.x12").read_bytes() == b"a"


def test_sftp_one_connection_serves_a_whole_sync(remote, monkeypatch):
    server, folder, base = remote
    with _sftp(server, folder) as t:
        first = t._connect()
        t.send("x.837", CLAIM)
        t.list_answers()
        assert t._sftp is first
    assert t._sftp is None  # closed by the with block


# --- settings ---------------------------------------------------------------------------------


def test_config_builds_a_local_transport_by_default(tmp_path):
    t = transport_from_config(
        {"to_clearinghouse": str(tmp_path / "o"), "from_clearinghouse": tmp_path / "i"}
    )
    assert isinstance(t, LocalDirTransport)
    assert t.outbox == tmp_path / "o" and t.inbox == tmp_path / "i"


def test_config_builds_an_sftp_transport(tmp_path):
    line = "256 SHA256:" + "A" * 43 + " root@host (ED25519)"
    t = transport_from_config(
        {
            "transport": "SFTP",
            "host": "sftp.example.com",
            "port": "2222",
            "username": "billing",
            "key_path": str(tmp_path / "id"),
            "host_key_fingerprint": line,
            "upload_dir": "/outgoing/",
            "download_dir": "incoming",
            "password": None,
        }
    )
    assert isinstance(t, SftpTransport)
    assert t.describe() == "sftp://billing@sftp.example.com:2222/"
    assert t.host_key_fingerprint == "SHA256:" + "A" * 43
    assert (t.upload_dir, t.download_dir, t.port, t.timeout) == ("/outgoing", "incoming", 2222, 10)


@pytest.mark.parametrize(
    ("cfg", "expected"),
    [
        ({"transport": "ftp"}, "Unknown clearinghouse transport 'ftp'"),
        ({"to_clearinghouse": "/tmp/x"}, "'from_clearinghouse' is missing"),
        ({"transport": "sftp", "username": "b", "key_path": "k"}, "'host' is missing"),
        ({"transport": "sftp", "host": "h", "key_path": "k"}, "'username' is missing"),
        ({"transport": "sftp", "host": "h", "username": "b"}, "a key file or a password"),
        ({"transport": "sftp", "host": "h", "username": "b", "key_path": "k", "port": 0}, "port"),
        ({"transport": "sftp", "host": "h", "username": "b", "key_path": "k", "port": "x"}, "port"),
        ({"transport": "sftp", "host": "", "username": "b", "key_path": "k"}, "non-empty text"),
        ({"transport": "sftp", "hots": "h", "username": "b"}, "Unknown setting 'hots'"),
        (
            {
                "transport": "sftp",
                "host": "h",
                "username": "b",
                "key_path": "k",
                "host_key_fingerprint": "MD5:aa:bb",
            },
            "not a host key fingerprint",
        ),  # fmt: skip
        (
            {
                "transport": "sftp",
                "host": "h",
                "username": "b",
                "key_path": "k",
                "host_key_fingerprint": "SHA256:" + "A" * 43,
                "known_hosts_path": "kh",
            },
            "not both",
        ),  # fmt: skip
        (
            {
                "transport": "sftp",
                "host": "h",
                "username": "b",
                "key_path": "k",
                "upload_dir": "same",
                "download_dir": "same/",
            },
            "must differ",
        ),  # fmt: skip
        ({"transport": "sftp", "host": "h", "username": "b", "password": 5}, "must be text"),
        (
            {"transport": "sftp", "host": "h", "username": "b", "key_path": "k", "timeout": -1},
            "timeout",
        ),  # fmt: skip
        (["not", "a", "table"], "table of values"),
    ],
)
def test_config_mistakes_are_validation_errors(cfg, expected):
    with pytest.raises(ValidationError) as caught:
        transport_from_config(cfg)
    assert expected in str(caught.value)
    assert_plain(str(caught.value))


def test_fingerprints_are_read_the_way_ssh_keygen_prints_them(sftp_server):
    line = f"256 {sftp_server.host_key_fingerprint} host (ED25519)"
    assert parse_fingerprint(line) == sftp_server.host_key_fingerprint
    assert parse_fingerprint(sftp_server.host_key_fingerprint + "=") == (
        sftp_server.host_key_fingerprint
    )
    for bad in ("SHA256:short", "SHA256:" + "!" * 43, "", "SHA256:a SHA256:b"):
        with pytest.raises(ValidationError):
            parse_fingerprint(bad)


def test_remote_file_modes_are_regular_files_only(side):
    """A symlink in the inbox is not an answer (it could point anywhere)."""
    target = side.inbox.parent / "elsewhere.x12"
    target.write_bytes(b"secret")
    os.symlink(target, side.inbox / "link.x12")
    assert stat.S_ISLNK(os.lstat(side.inbox / "link.x12").st_mode)
    assert side.transport.list_answers() == []
    with pytest.raises(TransportError, match="no file named"):
        side.transport.fetch("link.x12")
