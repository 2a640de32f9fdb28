"""Clearinghouse connections: our outbox and inbox folders, and the transport between.

A connection is what an office sets up once: who we are to the clearinghouse (submitter ID),
who it is (receiver ID, ISA08/GS03), test or production (ISA15), and the transport that carries
files: a local directory (the default; also how a clearinghouse's own upload folder or a
mounted share is used) or SFTP. Its settings are kept as JSON and turned into a transport by
``core.exchange.transport.transport_from_config``.

On disk, next to a SQLite database ``practice.db``, ClaimDesk keeps ``practice-exchange/``:
``outbox/`` (837 files built and waiting to go), ``inbox/`` (answers fetched, kept after
import), ``inbox/refused/`` (answers that could not be applied) and, for the built-in sandbox
connection, ``sandbox/to_payer`` and ``sandbox/from_payer``: the sandbox clearinghouse's side.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from pydantic import field_validator
from sqlalchemy import select, update
from sqlalchemy.orm import Session

from core.errors import NotFound, ValidationError
from core.exchange.transport import Transport, transport_from_config
from core.schemas import Frozen, FrozenIn
from core.services._common import parse, translate_db_errors
from core.store import Store, data_dir
from db.models import ExchangeConnection, Practice

SANDBOX_NAME = "sandbox"
SANDBOX_RECEIVER = "CLAIMDESKSBX"


class ConnectionOut(Frozen):
    id: int
    name: str
    transport: str
    settings_json: str
    submitter_id: str
    receiver_id: str
    receiver_name: str
    usage: str
    sandbox: bool
    is_default: bool

    @property
    def settings(self) -> dict[str, Any]:
        return json.loads(self.settings_json)


class ConnectionIn(FrozenIn):
    name: str
    transport: str = "local"
    settings: dict[str, Any]
    submitter_id: str
    receiver_id: str
    receiver_name: str
    usage: str = "T"
    sandbox: bool = False
    is_default: bool = False

    @field_validator("usage")
    @classmethod
    def _usage(cls, value: str) -> str:
        if value not in ("T", "P"):
            raise ValueError("usage is T (test) or P (production)")
        return value

    @field_validator("submitter_id", "receiver_id")
    @classmethod
    def _x12_id(cls, value: str) -> str:
        value = value.strip().upper()
        if not value or len(value) > 15:
            raise ValueError("an X12 ID has 1 to 15 characters")
        return value


def exchange_root(store: Store) -> Path:
    """Where this database's outbox, inbox and sandbox folders live."""
    path = store.path
    if path is not None:
        return path.parent / f"{path.stem}-exchange"
    return data_dir() / "exchange"


def outbox_dir(store: Store) -> Path:
    return exchange_root(store) / "outbox"


def inbox_dir(store: Store) -> Path:
    return exchange_root(store) / "inbox"


def sandbox_dirs(store: Store) -> tuple[Path, Path]:
    root = exchange_root(store) / "sandbox"
    return root / "to_payer", root / "from_payer"


def _sandbox_settings(store: Store) -> dict[str, Any]:
    to_payer, from_payer = sandbox_dirs(store)
    return {"transport": "local", "to_clearinghouse": str(to_payer),
            "from_clearinghouse": str(from_payer)}  # fmt: skip


def _submitter_id(session: Session) -> str:
    practice = session.scalars(select(Practice).order_by(Practice.id)).first()
    if practice is None:
        raise ValidationError("set up the practice first (its tax ID identifies us to payers)")
    return practice.tax_id


def _ensure_sandbox(store: Store, session: Session) -> ExchangeConnection:
    conn = session.scalars(
        select(ExchangeConnection).where(ExchangeConnection.name == SANDBOX_NAME)
    ).first()
    if conn is None:
        has_default = session.scalar(
            select(ExchangeConnection.id).where(ExchangeConnection.is_default.is_(True))
        )
        conn = ExchangeConnection(
            name=SANDBOX_NAME,
            transport="local",
            settings_json=json.dumps(_sandbox_settings(store)),
            submitter_id=_submitter_id(session),
            receiver_id=SANDBOX_RECEIVER,
            receiver_name="CLAIMDESK SANDBOX CLEARINGHOUSE",
            usage="T",
            sandbox=True,
            is_default=has_default is None,
        )
        session.add(conn)
        session.flush()
    return conn


def connection_in(store: Store, session: Session, name: str | None = None) -> ExchangeConnection:
    """The named connection, else the default one (the sandbox, created on first use)."""
    if name:
        conn = session.scalars(
            select(ExchangeConnection).where(ExchangeConnection.name == name)
        ).first()
        if conn is None:
            raise NotFound(f"No clearinghouse connection named {name!r}.")
        return conn
    conn = session.scalars(
        select(ExchangeConnection).where(ExchangeConnection.is_default.is_(True))
    ).first()
    return conn or _ensure_sandbox(store, session)


def get_connection(store: Store, name: str | None = None) -> ConnectionOut:
    with store.uow() as uow:
        return ConnectionOut.model_validate(connection_in(store, uow.session, name))


def list_connections(store: Store) -> list[ConnectionOut]:
    with store.uow() as uow:
        _ensure_sandbox(store, uow.session)
        rows = uow.session.scalars(select(ExchangeConnection).order_by(ExchangeConnection.id))
        return [ConnectionOut.model_validate(c) for c in rows]


def save_connection(store: Store, data: ConnectionIn | dict[str, Any]) -> ConnectionOut:
    """Add or change a connection; the settings must make a working transport description."""
    item = parse(ConnectionIn, data)
    settings = dict(item.settings)
    settings.setdefault("transport", item.transport)
    if settings["transport"] != item.transport:
        raise ValidationError("the settings name a different transport than the connection")
    transport_from_config(settings).close()  # refuses bad or missing keys with a clear message
    with translate_db_errors("connection"), store.uow() as uow:
        s = uow.session
        conn = s.scalars(
            select(ExchangeConnection).where(ExchangeConnection.name == item.name)
        ).first()
        if conn is None:
            conn = ExchangeConnection(name=item.name)
            s.add(conn)
        conn.transport = item.transport
        conn.settings_json = json.dumps(settings)
        conn.submitter_id = item.submitter_id
        conn.receiver_id = item.receiver_id
        conn.receiver_name = item.receiver_name
        conn.usage = item.usage
        conn.sandbox = item.sandbox
        if item.is_default:
            s.execute(update(ExchangeConnection).values(is_default=False))
        conn.is_default = item.is_default
        s.flush()
        uow.audit("save", "exchange_connection", conn.id, f"{conn.name} ({conn.transport})")
        return ConnectionOut.model_validate(conn)


def open_transport(conn: ConnectionOut | ExchangeConnection) -> Transport:
    settings = json.loads(conn.settings_json)
    settings.setdefault("transport", conn.transport)
    return transport_from_config(settings)
