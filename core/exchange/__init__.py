"""Exchanging files with a clearinghouse: claims out, acknowledgments and remittances back.

``core.exchange.transport`` moves the bytes (a local folder pair or SFTP); callers import from
there, e.g. ``from core.exchange.transport import transport_from_config, TransportError``.
"""
