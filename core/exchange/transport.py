"""How claim files reach a clearinghouse and how its answers come back.

A clearinghouse connection is an outbox and an inbox with a transport. Two transports:

- ``LocalDirTransport``: two local folders (the default; a clearinghouse's own upload agent, or a
  mapped drive, moves the files on from there);
- ``SftpTransport``: the clearinghouse's SFTP server (paramiko), host key checked always.

Both behave the same way:

- ``send`` is atomic: the bytes go to a hidden temporary name (``.NAME.part``) in the same folder
  and are renamed into place only once complete, so the other side never reads half a file. A
  file of the same name that is already there is left alone: identical bytes make ``send`` a
  no-op (a retry after a lost connection is safe), different bytes raise ``TransportError``.
- ``list_answers`` lists the files waiting for us (no folders, no hidden or temporary files);
  ``fetch`` reads one; ``acknowledge`` moves it into ``archive/`` next to it (created when
  missing) once the caller has stored it safely, so it is not fetched again. Nothing is deleted:
  a name already in the archive gets a numbered twin (``NAME.2``, ``NAME.3``...).

Every failure a user can meet is a ``TransportError`` whose message is one plain sentence.
Pure stdlib plus paramiko (imported only when an SFTP connection is actually opened).
"""

from __future__ import annotations

import base64
import binascii
import contextlib
import datetime as dt
import errno
import os
import posixpath
import socket
import stat
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol, Self, runtime_checkable

from core.errors import ClaimDeskError, ValidationError

ARCHIVE_DIR = "archive"
# Names that belong to files still being written (ours: ".NAME.part"; WinSCP: ".filepart").
TEMPORARY_SUFFIXES = (".part", ".filepart", ".partial", ".tmp", "~")
MAX_NAME_LENGTH = 255


class TransportError(ClaimDeskError):
    """A file could not be sent to, listed at, read from or archived at the clearinghouse."""


@dataclass(frozen=True)
class RemoteFile:
    """A file waiting for us in the clearinghouse's outgoing area."""

    name: str
    size: int  # bytes
    mtime: dt.datetime  # last modified, timezone-aware UTC


@runtime_checkable
class Transport(Protocol):
    """What the exchange service needs from a clearinghouse connection."""

    def describe(self) -> str:
        """Where the files go, for screens and logs (never contains a password)."""
        ...

    def send(self, name: str, data: bytes) -> None:
        """Upload ``data`` as ``name`` into the clearinghouse's incoming area, atomically."""
        ...

    def list_answers(self) -> list[RemoteFile]:
        """Files waiting for us, oldest first."""
        ...

    def fetch(self, name: str) -> bytes:
        """The bytes of one waiting file."""
        ...

    def acknowledge(self, name: str) -> None:
        """Move a fetched (and safely stored) file into ``archive/`` so it is not listed again."""
        ...

    def close(self) -> None:
        """Let go of any connection; safe to call twice."""
        ...

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()


# --- names -------------------------------------------------------------------------------------


def is_temporary_name(name: str) -> bool:
    """True for hidden files and files another program is still writing."""
    return name.startswith(".") or name.endswith(TEMPORARY_SUFFIXES)


def check_name(name: object) -> str:
    """A plain file name (no folders) that both sides can use, or ``TransportError``."""
    if not isinstance(name, str) or not name.strip():
        raise TransportError("A file for the clearinghouse needs a name; the name was empty.")
    problem = None
    if "/" in name or "\\" in name:
        problem = "it contains a slash; give a plain file name without folders"
    elif any(ord(ch) < 32 or ord(ch) == 127 for ch in name):
        problem = "it contains control characters"
    elif name != name.strip():
        problem = "it starts or ends with a space"
    elif is_temporary_name(name):
        problem = (
            "names starting with a dot or ending in .part/.tmp are reserved for temporary files"
        )
    elif len(name.encode("utf-8")) > MAX_NAME_LENGTH:
        problem = f"it is longer than {MAX_NAME_LENGTH} bytes"
    if problem:
        raise TransportError(f"{name!r} cannot be used as a clearinghouse file name: {problem}.")
    return name


def part_name(name: str) -> str:
    """The hidden name a file is written under before it is renamed into place."""
    return f".{name}.part"


def archive_names(name: str, limit: int = 999) -> Iterator[str]:
    """``name``, then ``name.2``, ``name.3``... for a file whose name is already archived."""
    yield name
    for n in range(2, limit + 1):
        yield f"{name}.{n}"


def _as_bytes(data: object) -> bytes:
    if isinstance(data, bytes | bytearray | memoryview):
        return bytes(data)
    raise TransportError("Only the bytes of a finished file can be sent to the clearinghouse.")


def _different_file(name: str, where: str) -> TransportError:
    return TransportError(
        f"A different file named {name!r} is already waiting in {where}; nothing was sent. "
        "Send the new file under a new name."
    )


def _utc(timestamp: float | None) -> dt.datetime:
    return dt.datetime.fromtimestamp(timestamp or 0, tz=dt.UTC)


def _reason(exc: OSError) -> str:
    text = exc.strerror or (str(exc.args[0]) if exc.args else "") or type(exc).__name__
    return text[:1].lower() + text[1:]


# --- local folders ----------------------------------------------------------------------------


def _fsync_dir(folder: Path) -> None:
    """Make a rename in ``folder`` durable (not possible on every platform; best effort)."""
    try:
        fd = os.open(folder, os.O_RDONLY | getattr(os, "O_DIRECTORY", 0))
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


def _is_regular(path: Path) -> bool:
    try:
        return stat.S_ISREG(path.lstat().st_mode)
    except OSError:
        return False


def _local_error(action: str, path: Path, exc: OSError) -> TransportError:
    if isinstance(exc, PermissionError):
        return TransportError(f"Permission denied {action} {path}.")
    if exc.errno == errno.ENOSPC:
        return TransportError(f"The disk is full; stopped {action} {path}.")
    return TransportError(f"Problem {action} {path} ({_reason(exc)}).")


class LocalDirTransport(Transport):
    """Files go to ``to_clearinghouse`` and answers are picked up from ``from_clearinghouse``."""

    def __init__(self, to_clearinghouse: str | os.PathLike, from_clearinghouse: str | os.PathLike):
        self.outbox = Path(to_clearinghouse).expanduser().absolute()
        self.inbox = Path(from_clearinghouse).expanduser().absolute()
        if self.outbox == self.inbox:
            raise ValidationError(
                f"The outbox and the inbox must be different folders (both are {self.outbox})."
            )
        for folder in (self.outbox, self.inbox):
            try:
                folder.mkdir(parents=True, exist_ok=True)
            except FileExistsError:
                raise TransportError(f"{folder} exists but is not a folder.") from None
            except OSError as exc:
                raise _local_error("creating the folder", folder, exc) from exc

    def describe(self) -> str:
        return f"local folders (outbox {self.outbox}, inbox {self.inbox})"

    def __repr__(self) -> str:
        return f"LocalDirTransport({self.describe()})"

    def close(self) -> None:
        pass

    # sending

    def send(self, name: str, data: bytes) -> None:
        name = check_name(name)
        data = _as_bytes(data)
        final = self.outbox / name
        if self._already_there(final, data):
            return
        part = self.outbox / part_name(name)
        try:
            with open(part, "wb") as fh:
                fh.write(data)
                fh.flush()
                os.fsync(fh.fileno())
            published = self._publish(part, final)
        except OSError as exc:
            raise _local_error("writing", final, exc) from exc
        finally:
            with contextlib.suppress(OSError):
                part.unlink(missing_ok=True)
        if not published and not self._already_there(final, data):
            raise TransportError(f"Could not put {final} in place; please send it again.")
        _fsync_dir(self.outbox)

    def _already_there(self, final: Path, data: bytes) -> bool:
        """True when ``final`` holds ``data``; ``TransportError`` when it holds something else."""
        try:
            existing = final.read_bytes()
        except FileNotFoundError:
            return False
        except IsADirectoryError:
            raise _different_file(final.name, str(self.outbox)) from None
        except OSError as exc:
            raise _local_error("reading", final, exc) from exc
        if existing != data:
            raise _different_file(final.name, str(self.outbox))
        return True

    def _publish(self, part: Path, final: Path) -> bool:
        """Give the finished temporary file its real name; False if that name was taken."""
        return _move_no_clobber(part, final)

    # answers

    def list_answers(self) -> list[RemoteFile]:
        try:
            entries = list(os.scandir(self.inbox))
        except OSError as exc:
            raise _local_error("listing", self.inbox, exc) from exc
        found = []
        for entry in entries:
            if is_temporary_name(entry.name):
                continue
            try:
                if not entry.is_file(follow_symlinks=False):
                    continue
                info = entry.stat(follow_symlinks=False)
            except OSError:  # vanished while we looked: not waiting any more
                continue
            found.append(RemoteFile(entry.name, info.st_size, _utc(info.st_mtime)))
        return sorted(found, key=lambda f: (f.mtime, f.name))

    def _waiting(self, name: str) -> Path:
        path = self.inbox / check_name(name)
        if not _is_regular(path):
            raise TransportError(f"There is no file named {name!r} waiting in {self.inbox}.")
        return path

    def fetch(self, name: str) -> bytes:
        path = self._waiting(name)
        try:
            return path.read_bytes()
        except OSError as exc:
            raise _local_error("reading", path, exc) from exc

    def acknowledge(self, name: str) -> None:
        source = self._waiting(name)
        archive = self.inbox / ARCHIVE_DIR
        try:
            archive.mkdir(exist_ok=True)
            for candidate in archive_names(name):
                if _move_no_clobber(source, archive / candidate):
                    break
            else:
                raise TransportError(f"The archive {archive} already holds too many {name!r}.")
        except FileExistsError:
            raise TransportError(f"{archive} exists but is not a folder.") from None
        except OSError as exc:
            raise _local_error("archiving", source, exc) from exc
        _fsync_dir(archive)
        _fsync_dir(self.inbox)


def _move_no_clobber(source: Path, target: Path) -> bool:
    """Rename ``source`` to ``target`` unless ``target`` exists (then return False).

    A hard link is atomic and fails when the target exists; where the file system has no hard
    links (some network shares), fall back to check-then-rename.
    """
    try:
        os.link(source, target)
    except FileExistsError:
        return False
    except OSError as exc:
        if exc.errno not in (errno.EPERM, errno.ENOTSUP, errno.EOPNOTSUPP, errno.EXDEV,
                             errno.EMLINK, errno.ENOSYS):  # fmt: skip
            raise
        if os.path.lexists(target):
            return False
        os.rename(source, target)
        return True
    os.unlink(source)
    return True


# --- SFTP -------------------------------------------------------------------------------------


def parse_fingerprint(text: str) -> str:
    """``SHA256:...`` from what ``ssh-keygen -lf`` prints (the whole line is fine)."""
    candidates = [w for w in str(text).split() if w.upper().startswith("SHA256:")]
    if len(candidates) == 1:
        value = candidates[0][len("SHA256:") :].rstrip("=")
        try:
            raw = base64.b64decode(value + "=" * (-len(value) % 4), validate=True)
        except (binascii.Error, ValueError):
            raw = b""
        if len(raw) == 32:
            return "SHA256:" + value
    raise ValidationError(
        f"{text!r} is not a host key fingerprint; copy the SHA256:... value that "
        "'ssh-keygen -lf' prints for the clearinghouse's server key."
    )


class _HostKeyRefused(Exception):
    """Raised from our host key policy; turned into a TransportError by ``_connect``."""

    def __init__(self, presented: str, expected: str | None) -> None:
        super().__init__(presented)
        self.presented = presented
        self.expected = expected


class _HostKeyPolicy:
    """paramiko calls this for a server key that is not in the loaded known-hosts entries."""

    def __init__(self, pinned: str | None) -> None:
        self.pinned = pinned

    def missing_host_key(self, client: Any, hostname: str, key: Any) -> None:
        presented = key.fingerprint
        if self.pinned is not None and presented == self.pinned:
            return  # accepted: it is the key the settings name
        raise _HostKeyRefused(presented, self.pinned)


def _paramiko() -> Any:
    import paramiko

    return paramiko


class SftpTransport(Transport):
    """The clearinghouse's SFTP server. One connection, opened on first use, until ``close()``.

    The server's host key must be known: from ``known_hosts_path`` (an OpenSSH known_hosts
    file), or pinned with ``host_key_fingerprint`` ("SHA256:..."), or, with neither, from the
    user's ``~/.ssh/known_hosts``. An unknown or different key stops before anything is sent.
    """

    def __init__(
        self,
        host: str,
        port: int,
        username: str,
        *,
        key_path: str | os.PathLike | None = None,
        password: str | None = None,
        known_hosts_path: str | os.PathLike | None = None,
        host_key_fingerprint: str | None = None,
        upload_dir: str = "to_payer",
        download_dir: str = "from_payer",
        timeout: float = 10,
    ) -> None:
        if not isinstance(host, str) or not host.strip():
            raise ValidationError("The SFTP connection needs a host name.")
        if isinstance(port, bool) or not isinstance(port, int) or not 0 < port < 65536:
            raise ValidationError(f"The SFTP port must be a number from 1 to 65535, not {port!r}.")
        if not isinstance(username, str) or not username.strip():
            raise ValidationError("The SFTP connection needs a user name.")
        if password is not None and not isinstance(password, str):
            raise ValidationError("The SFTP password must be text.")
        if key_path is None and not password:
            raise ValidationError("The SFTP connection needs a key file or a password.")
        if known_hosts_path is not None and host_key_fingerprint is not None:
            raise ValidationError(
                "Give either a known-hosts file or a host key fingerprint for the SFTP server, "
                "not both."
            )
        if isinstance(timeout, bool) or not isinstance(timeout, int | float) or timeout <= 0:
            raise ValidationError(
                f"The SFTP timeout must be a positive number of seconds, not {timeout!r}."
            )
        self.host = host.strip()
        self.port = port
        self.username = username.strip()
        self.key_path = Path(key_path).expanduser() if key_path is not None else None
        self._password = password or None
        self.known_hosts_path = (
            Path(known_hosts_path).expanduser() if known_hosts_path is not None else None
        )
        self.host_key_fingerprint = (
            parse_fingerprint(host_key_fingerprint) if host_key_fingerprint is not None else None
        )
        self.upload_dir = _remote_dir(upload_dir, "upload")
        self.download_dir = _remote_dir(download_dir, "download")
        if self.upload_dir == self.download_dir:
            raise ValidationError(
                f"The SFTP upload and download folders must differ (both are {self.upload_dir!r})."
            )
        self.timeout = float(timeout)
        self._client: Any = None
        self._sftp: Any = None
        self._posix_rename: bool | None = None  # unknown until the first rename

    # identity

    @property
    def _where(self) -> str:
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"{host}:{self.port}"

    def describe(self) -> str:
        return f"sftp://{self.username}@{self._where}/"

    def __repr__(self) -> str:
        return f"SftpTransport({self.describe()})"

    # connection

    def close(self) -> None:
        sftp, client = self._sftp, self._client
        self._sftp = self._client = None
        for thing in (sftp, client):
            if thing is not None:
                with contextlib.suppress(Exception):
                    thing.close()

    def _load_key(self) -> Any:
        paramiko = _paramiko()
        path = self.key_path
        try:
            return paramiko.PKey.from_path(path)
        except FileNotFoundError:
            raise TransportError(f"The key file {path} does not exist.") from None
        except PermissionError:
            raise TransportError(f"ClaimDesk may not read the key file {path}.") from None
        except IsADirectoryError:
            raise TransportError(f"The key file {path} is a folder, not a key.") from None
        except TypeError as exc:  # cryptography: "Key is password-protected..."
            raise TransportError(
                f"The key file {path} is protected by a passphrase, which ClaimDesk cannot type; "
                "make a key without a passphrase for the clearinghouse connection."
            ) from exc
        except (ValueError, paramiko.SSHException, paramiko.pkey.UnknownKeyType, OSError) as exc:
            raise TransportError(
                f"The file {path} is not a private key ClaimDesk can use (expected an OpenSSH "
                "ed25519, ECDSA or RSA private key)."
            ) from exc

    def _connect(self) -> Any:
        if self._sftp is not None:
            transport = self._client.get_transport() if self._client else None
            if transport is not None and transport.is_active():
                return self._sftp
            self.close()
        paramiko = _paramiko()
        pkey = self._load_key() if self.key_path is not None else None
        client = paramiko.SSHClient()
        if self.known_hosts_path is not None:
            try:
                client.get_host_keys().load(str(self.known_hosts_path))
            except OSError as exc:
                client.close()
                raise TransportError(
                    f"Could not read the known-hosts file {self.known_hosts_path} ({_reason(exc)})."
                ) from exc
        elif self.host_key_fingerprint is None:
            client.load_system_host_keys()  # ~/.ssh/known_hosts, as the ssh command would
        client.set_missing_host_key_policy(_HostKeyPolicy(self.host_key_fingerprint))
        t = self.timeout
        try:
            client.connect(
                self.host,
                port=self.port,
                username=self.username,
                password=self._password,
                pkey=pkey,
                timeout=t,
                banner_timeout=t,
                auth_timeout=t,
                channel_timeout=t,
                allow_agent=False,
                look_for_keys=False,
            )
        except Exception as exc:
            client.close()
            raise self._connect_error(exc) from exc
        try:
            sftp = client.open_sftp()
            sftp.get_channel().settimeout(t)
        except Exception as exc:
            client.close()
            raise TransportError(
                f"{self._where} accepted the login but does not offer SFTP file transfer."
            ) from exc
        self._client, self._sftp = client, sftp
        return sftp

    def _connect_error(self, exc: Exception) -> TransportError:
        paramiko = _paramiko()
        where = self._where
        if isinstance(exc, _HostKeyRefused):
            if exc.expected is None:
                return TransportError(
                    f"The server {where} is not in the known-hosts file, so ClaimDesk did not "
                    f"trust it and sent nothing; its host key fingerprint is {exc.presented}. "
                    "If the clearinghouse confirms that fingerprint, add it to the connection."
                )
            return TransportError(
                "The server's host key does not match the one on file (possible impersonation); "
                f"nothing was sent. Expected {exc.expected}, the server showed {exc.presented}."
            )
        if isinstance(exc, paramiko.BadHostKeyException):
            return TransportError(
                "The server's host key does not match the one on file (possible impersonation); "
                "nothing was sent."
            )
        if isinstance(exc, paramiko.AuthenticationException):
            check = "the key" if self.key_path is not None else "the password"
            if self.key_path is not None and self._password:
                check = "the key and the password"
            return TransportError(
                f"The SFTP server refused the login for user {self.username!r} (check {check})."
            )
        if isinstance(exc, paramiko.ssh_exception.NoValidConnectionsError):
            codes = {getattr(e, "errno", None) for e in exc.errors.values()}
            why = "connection refused" if codes == {errno.ECONNREFUSED} else "host unreachable"
            return TransportError(f"Could not reach {where} ({why}).")
        if isinstance(exc, socket.gaierror):
            return TransportError(f"Could not reach {where} (the name {self.host!r} is not known).")
        if isinstance(exc, TimeoutError | socket.timeout):
            return TransportError(
                f"Could not reach {where} (no answer within {self.timeout:g} seconds)."
            )
        if isinstance(exc, OSError):
            return TransportError(f"Could not reach {where} ({_reason(exc)}).")
        return TransportError(
            f"Could not set up a secure connection with {where}; it did not answer as an SFTP "
            "server should."
        )

    @contextlib.contextmanager
    def _remote_errors(self, action: str, path: str) -> Iterator[None]:
        """Turn what paramiko raises during one file operation into a TransportError."""
        try:
            yield
        except TransportError:
            raise
        except Exception as exc:
            transport = self._client.get_transport() if self._client else None
            alive = transport is not None and transport.is_active()
            if isinstance(exc, TimeoutError | socket.timeout):
                self.close()
                raise TransportError(
                    f"The SFTP server {self._where} stopped answering while {action} {path}."
                ) from exc
            if not alive or isinstance(exc, EOFError | _paramiko().SSHException):
                self.close()
                raise TransportError(
                    f"The connection to {self._where} was lost while {action} {path}."
                ) from exc
            if isinstance(exc, OSError) and exc.errno == errno.EACCES:
                raise TransportError(f"Permission denied {action} {path}.") from exc
            if isinstance(exc, OSError) and exc.errno == errno.ENOENT:
                raise TransportError(f"{path} does not exist on {self._where}.") from exc
            reason = _reason(exc) if isinstance(exc, OSError) else type(exc).__name__
            raise TransportError(f"The SFTP server refused {action} {path} ({reason}).") from exc

    def _stat(self, path: str, *, follow: bool = False) -> Any:
        """The server's attributes for ``path`` (of a link itself unless ``follow``), or None
        when there is nothing there."""
        try:
            return self._sftp.stat(path) if follow else self._sftp.lstat(path)
        except OSError as exc:
            if exc.errno == errno.ENOENT:
                return None
            raise

    def _require_dir(self, folder: str, role: str) -> None:
        with self._remote_errors("opening the folder", folder):
            attrs = self._stat(folder, follow=True)
        if attrs is None or not stat.S_ISDIR(attrs.st_mode or 0):
            raise TransportError(
                f"The folder {folder!r} does not exist on {self._where}; check the {role} folder "
                "in the connection settings."
            )

    def _read(self, path: str, size: int | None = None) -> bytes:
        with self._sftp.open(path, "rb") as fh:
            fh.prefetch(size)
            return fh.read()

    def _rename(self, source: str, target: str) -> None:
        """posix-rename@openssh.com when offered (atomic), else the standard SFTP rename."""
        if self._posix_rename is not False:
            try:
                self._sftp.posix_rename(source, target)
                self._posix_rename = True
                return
            except OSError as exc:
                if exc.errno is not None or "unsupported" not in str(exc).lower():
                    raise
                self._posix_rename = False
        self._sftp.rename(source, target)

    def _move_no_clobber(self, source: str, target: str) -> bool:
        """Rename unless ``target`` exists (then False). The standard SFTP rename refuses an
        existing target by itself; posix-rename would replace it, hence the look first."""
        if self._stat(target) is not None:
            return False
        try:
            self._rename(source, target)
        except OSError:
            if self._stat(target) is not None:
                return False
            raise
        return True

    def _publish(self, part: str, final: str) -> bool:
        """Give the finished temporary file its real name; False if that name was taken."""
        return self._move_no_clobber(part, final)

    # sending

    def _already_there(self, final: str, data: bytes) -> bool:
        with self._remote_errors("checking", final):
            attrs = self._stat(final)
            if attrs is None:
                return False
            same = (
                stat.S_ISREG(attrs.st_mode or 0)
                and attrs.st_size == len(data)
                and self._read(final, attrs.st_size) == data
            )
        if not same:
            raise _different_file(
                posixpath.basename(final), f"{self.upload_dir!r} on {self._where}"
            )
        return True

    def send(self, name: str, data: bytes) -> None:
        name = check_name(name)
        data = _as_bytes(data)
        self._connect()
        self._require_dir(self.upload_dir, "upload")
        final = posixpath.join(self.upload_dir, name)
        if self._already_there(final, data):
            return
        part = posixpath.join(self.upload_dir, part_name(name))
        published = False
        try:
            with self._remote_errors("writing", final):
                with self._sftp.open(part, "wb") as fh:
                    fh.set_pipelined(True)
                    fh.write(data)
                written = self._sftp.stat(part).st_size
                if written != len(data):
                    raise TransportError(
                        f"The upload of {final} was cut short ({written} of {len(data)} bytes); "
                        "nothing was put in place. Please send it again."
                    )
                published = self._publish(part, final)
        finally:
            if not published and self._sftp is not None:
                with contextlib.suppress(Exception):
                    self._sftp.remove(part)
        if not published and not self._already_there(final, data):
            raise TransportError(f"Could not put {final} in place; please send it again.")

    # answers

    def list_answers(self) -> list[RemoteFile]:
        self._connect()
        self._require_dir(self.download_dir, "download")
        with self._remote_errors("listing", self.download_dir):
            entries = self._sftp.listdir_attr(self.download_dir)
        found = [
            RemoteFile(e.filename, e.st_size or 0, _utc(e.st_mtime))
            for e in entries
            if not is_temporary_name(e.filename) and stat.S_ISREG(e.st_mode or 0)
        ]
        return sorted(found, key=lambda f: (f.mtime, f.name))

    def _waiting(self, name: str) -> tuple[str, Any]:
        path = posixpath.join(self.download_dir, check_name(name))
        self._connect()
        with self._remote_errors("reading", path):
            attrs = self._stat(path)
        if attrs is None or not stat.S_ISREG(attrs.st_mode or 0):
            raise TransportError(
                f"There is no file named {name!r} waiting in {self.download_dir!r} on {self._where}."
            )
        return path, attrs

    def fetch(self, name: str) -> bytes:
        path, attrs = self._waiting(name)
        with self._remote_errors("reading", path):
            return self._read(path, attrs.st_size)

    def acknowledge(self, name: str) -> None:
        source, _ = self._waiting(name)
        archive = posixpath.join(self.download_dir, ARCHIVE_DIR)
        with self._remote_errors("archiving", source):
            attrs = self._stat(archive, follow=True)
            if attrs is None:
                try:
                    self._sftp.mkdir(archive)
                except OSError:
                    if self._stat(archive) is None:  # not a race with another ClaimDesk
                        raise
            elif not stat.S_ISDIR(attrs.st_mode or 0):
                raise TransportError(f"{archive} on {self._where} exists but is not a folder.")
            for candidate in archive_names(name):
                if self._move_no_clobber(source, posixpath.join(archive, candidate)):
                    return
        raise TransportError(f"The archive {archive} already holds too many {name!r}.")


def _remote_dir(value: object, role: str) -> str:
    if not isinstance(value, str) or not value.strip():
        raise ValidationError(f"The SFTP {role} folder needs a name.")
    text = value.strip()
    return text if text == "/" else text.rstrip("/")


# --- building a transport from settings --------------------------------------------------------

_LOCAL_KEYS = {"transport", "to_clearinghouse", "from_clearinghouse"}
_SFTP_KEYS = {
    "transport", "host", "port", "username", "key_path", "password", "known_hosts_path",
    "host_key_fingerprint", "upload_dir", "download_dir", "timeout",
}  # fmt: skip


def transport_from_config(cfg: Mapping[str, Any]) -> Transport:
    """A transport from plain settings, e.g. a TOML table or JSON object.

    ``{"transport": "local", "to_clearinghouse": PATH, "from_clearinghouse": PATH}`` (``local`` is
    the default) or ``{"transport": "sftp", "host", "port" (22), "username", "key_path" and/or
    "password", "known_hosts_path" or "host_key_fingerprint", "upload_dir", "download_dir",
    "timeout"}``. Keys with the value None count as absent; unknown keys are refused (a typo in
    a security setting must not pass silently). Raises ValidationError.
    """
    if not isinstance(cfg, Mapping):
        raise ValidationError("The clearinghouse connection settings must be a table of values.")
    values = {k: v for k, v in cfg.items() if v is not None}
    kind = values.get("transport", "local")
    kind = kind.strip().lower() if isinstance(kind, str) else kind
    allowed = {"local": _LOCAL_KEYS, "sftp": _SFTP_KEYS}.get(kind)
    if allowed is None:
        raise ValidationError(
            f"Unknown clearinghouse transport {cfg.get('transport')!r}; use 'local' or 'sftp'."
        )
    unknown = sorted(str(k) for k in values if k not in allowed)
    if unknown:
        raise ValidationError(
            f"Unknown setting {unknown[0]!r} for a {kind} clearinghouse connection; "
            f"the settings are: {', '.join(sorted(allowed - {'transport'}))}."
        )

    def text(key: str, *, required: bool = False, default: str | None = None) -> str | None:
        if key not in values:
            if required:
                raise ValidationError(
                    f"The clearinghouse connection setting {key!r} is missing "
                    f"(needed for a {kind} connection)."
                )
            return default
        value = values[key]
        if isinstance(value, os.PathLike):
            value = os.fspath(value)
        if not isinstance(value, str) or not value.strip():
            raise ValidationError(
                f"The clearinghouse connection setting {key!r} must be non-empty text."
            )
        return value.strip()

    if kind == "local":
        return LocalDirTransport(
            text("to_clearinghouse", required=True), text("from_clearinghouse", required=True)
        )
    port = values.get("port", 22)
    if isinstance(port, str) and port.strip().isdigit():
        port = int(port.strip())
    if isinstance(port, bool) or not isinstance(port, int):
        raise ValidationError(f"The SFTP port must be a number from 1 to 65535, not {port!r}.")
    timeout = values.get("timeout", 10)
    if isinstance(timeout, str):
        try:
            timeout = float(timeout)
        except ValueError:
            pass
    return SftpTransport(
        text("host", required=True),
        port,
        text("username", required=True),
        key_path=text("key_path"),
        password=values.get("password"),
        known_hosts_path=text("known_hosts_path"),
        host_key_fingerprint=text("host_key_fingerprint"),
        upload_dir=text("upload_dir", default="to_payer"),
        download_dir=text("download_dir", default="from_payer"),
        timeout=timeout,
    )
