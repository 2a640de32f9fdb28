"""Claims out over SFTP, against a real OpenSSH server on loopback: the 837 goes up, the
clearinghouse's 999 and 277CA come down, are imported, and are archived on the far side."""

from __future__ import annotations

import datetime as dt
import uuid

import pytest

from core.exchange.transport import TransportError
from core.services import claims, exchange, sandbox_claims, submission
from tests.integration.helpers import BILLED_ON, built_claim, small_practice

NOW = dt.datetime(2026, 10, 18, 9, 30)


def test_submit_and_sync_over_sftp(codes_store, sftp_server):
    store = codes_store
    world = small_practice(store)
    folder = f"ch-{uuid.uuid4().hex[:8]}"
    base = sftp_server.root / folder
    (base / "inbound").mkdir(parents=True)
    (base / "outbound").mkdir()
    exchange.save_connection(store, dict(
        name="acme", transport="sftp", submitter_id="123456789", receiver_id="ACMECH",
        receiver_name="ACME CLEARINGHOUSE", usage="T", is_default=True,
        settings={"host": sftp_server.host, "port": sftp_server.port,
                  "username": sftp_server.username, "key_path": str(sftp_server.key_path),
                  "host_key_fingerprint": sftp_server.host_key_fingerprint,
                  "upload_dir": f"{folder}/inbound", "download_dir": f"{folder}/outbound"},
    ))  # fmt: skip
    cid = built_claim(store, world)
    (path,) = submission.submit(store, today=BILLED_ON, now=NOW).files
    sent = submission.sync(store, now=NOW)
    assert sent.sent == [path.rsplit("/", 1)[-1]] and sent.fetched == []
    uploaded = base / "inbound" / sent.sent[0]
    assert uploaded.read_bytes() == open(exchange.outbox_dir(store) / "sent" / sent.sent[0],
                                         "rb").read()  # fmt: skip
    assert claims.get_claim(store, cid).claim.status == "submitted"
    # The clearinghouse answers on its side (our sandbox's logic stands in for it).
    answered = sandbox_claims.answer_837(store, uploaded.read_bytes(), now=NOW)
    for suffix, text in answered.files:
        (base / "outbound" / f"reply.{suffix}").write_text(text)
    back = submission.sync(store, now=NOW)
    assert sorted(back.fetched) == ["reply.277CA", "reply.999"]
    assert all(o.applied for o in back.imported)
    assert claims.get_claim(store, cid).claim.status == "accepted"
    assert sorted(p.name for p in (base / "outbound" / "archive").iterdir()) == [
        "reply.277CA", "reply.999"
    ]  # fmt: skip
    assert submission.sync(store, now=NOW).fetched == []


def test_a_wrong_host_key_sends_nothing(codes_store, sftp_server):
    store = codes_store
    world = small_practice(store)
    folder = f"ch-{uuid.uuid4().hex[:8]}"
    (sftp_server.root / folder / "inbound").mkdir(parents=True)
    (sftp_server.root / folder / "outbound").mkdir()
    exchange.save_connection(store, dict(
        name="acme", transport="sftp", submitter_id="123456789", receiver_id="ACMECH",
        receiver_name="ACME CLEARINGHOUSE", is_default=True,
        settings={"host": sftp_server.host, "port": sftp_server.port,
                  "username": sftp_server.username, "key_path": str(sftp_server.key_path),
                  "host_key_fingerprint": "SHA256:" + "A" * 43,
                  "upload_dir": f"{folder}/inbound", "download_dir": f"{folder}/outbound"},
    ))  # fmt: skip
    cid = built_claim(store, world)
    submission.submit(store, today=BILLED_ON, now=NOW)
    with pytest.raises(TransportError, match="host key"):
        submission.sync(store, now=NOW)
    assert list((sftp_server.root / folder / "inbound").iterdir()) == []
    assert claims.get_claim(store, cid).claim.status == "batched"  # still waiting to go
