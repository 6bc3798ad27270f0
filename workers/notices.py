"""Delivering notices (送达): an outbox in front of a pluggable transport.

Every notice is written once under its id; a retried job finds the receipt and does not send
twice. The file transport (default) leaves an RFC 5322 `.eml` per notice in `<data>/outbox/`, which
any mail client opens and a clerk can print; `NOTICE_TRANSPORT=smtp` sends through a mail server
configured by `SMTP_HOST`, `SMTP_PORT`, `SMTP_USERNAME`, `SMTP_PASSWORD`, `SMTP_SECURITY`
(`starttls`, `ssl` or `none`) and `NOTICE_FROM`.
"""

from __future__ import annotations

import os
import smtplib
import ssl
from datetime import UTC, datetime
from email.headerregistry import Address
from email.message import EmailMessage
from email.utils import format_datetime, make_msgid
from pathlib import Path
from typing import Protocol

from pydantic import BaseModel

from workers.archive import write_atomically
from workers.variables import ProcessVariables

DEFAULT_SENDER = "rongcuo-office@localhost"


class NoticeDeliveryError(Exception):
    """A notice cannot be delivered as configured; the message says what is missing."""


class Attachment(BaseModel):
    file_name: str
    path: Path
    media_type: str = "application/pdf"


class Notice(BaseModel):
    notice_id: str
    notice_type: str
    recipient: str
    recipient_name: str
    address: str | None = None
    subject: str
    body: str
    attachments: list[Attachment] = []


class NoticeRecord(ProcessVariables):
    """The contract's `notice` variable: proof of what went to whom, when, by which channel."""

    notice_id: str
    recipient: str
    notice_type: str
    channel: str
    sent_at: datetime


class Transport(Protocol):
    channel: str

    def deliver(self, notice: Notice, message: EmailMessage) -> None: ...


class FileTransport:
    """Writes each notice as `<notice id>.eml`; the default, and what the tests read."""

    channel = "file"

    def __init__(self, directory: Path) -> None:
        self.directory = directory

    def deliver(self, notice: Notice, message: EmailMessage) -> None:
        self.directory.mkdir(parents=True, exist_ok=True)
        write_atomically(self.directory / f"{notice.notice_id}.eml", bytes(message))


class SmtpTransport:
    channel = "smtp"

    def __init__(
        self,
        host: str,
        port: int,
        security: str = "starttls",
        username: str | None = None,
        password: str | None = None,
        timeout: float = 30.0,
    ) -> None:
        if security not in {"starttls", "ssl", "none"}:
            raise NoticeDeliveryError(
                f"SMTP_SECURITY 取值 {security!r} 无效，应为 starttls、ssl 或 none"
            )
        self.host, self.port, self.security = host, port, security
        self.username, self.password, self.timeout = username, password, timeout

    def deliver(self, notice: Notice, message: EmailMessage) -> None:
        if not notice.address:
            raise NoticeDeliveryError(
                f"通知 {notice.notice_id} 无法以电子邮件送达：收件人“{notice.recipient_name}”"
                f"（{notice.recipient}）没有电子邮箱地址"
            )
        context = ssl.create_default_context()
        client: smtplib.SMTP
        if self.security == "ssl":
            client = smtplib.SMTP_SSL(self.host, self.port, timeout=self.timeout, context=context)
        else:
            client = smtplib.SMTP(self.host, self.port, timeout=self.timeout)
        with client:
            if self.security == "starttls":
                client.starttls(context=context)
            if self.username:
                client.login(self.username, self.password or "")
            client.send_message(message)


def transport_from_environment(root: Path) -> Transport:
    kind = os.environ.get("NOTICE_TRANSPORT", "file").strip().lower() or "file"
    if kind == "file":
        return FileTransport(root / "outbox")
    if kind == "smtp":
        host = os.environ.get("SMTP_HOST", "").strip()
        if not host:
            raise NoticeDeliveryError("NOTICE_TRANSPORT=smtp 需要设置 SMTP_HOST")
        security = os.environ.get("SMTP_SECURITY", "starttls").strip().lower()
        default_port = {"ssl": "465", "starttls": "587"}.get(security, "25")
        port_text = os.environ.get("SMTP_PORT", default_port).strip()
        if not port_text.isdigit():
            raise NoticeDeliveryError(f"SMTP_PORT 取值 {port_text!r} 不是端口号")
        return SmtpTransport(
            host,
            int(port_text),
            security,
            os.environ.get("SMTP_USERNAME") or None,
            os.environ.get("SMTP_PASSWORD") or None,
        )
    raise NoticeDeliveryError(f"NOTICE_TRANSPORT 取值 {kind!r} 无效，应为 file 或 smtp")


def recipient_address(role: str) -> str | None:
    """Configured address of an office (e.g. `NOTICE_ADDRESS_ORG_PERSONNEL`), if any."""
    variable = "NOTICE_ADDRESS_" + role.upper().replace("-", "_")
    return os.environ.get(variable, "").strip() or None


def build_message(notice: Notice, sender: str, sent_at: datetime) -> EmailMessage:
    message = EmailMessage()
    message["Subject"] = notice.subject
    message["From"] = sender
    if notice.address:
        message["To"] = Address(display_name=notice.recipient_name, addr_spec=notice.address)
    message["Date"] = format_datetime(sent_at)
    message["Message-ID"] = make_msgid(idstring=notice.notice_id, domain="exemption.invalid")
    message["X-Notice-Id"] = notice.notice_id
    message["X-Notice-Type"] = notice.notice_type
    message["X-Recipient-Role"] = notice.recipient
    message["X-Recipient-Name"] = notice.recipient_name
    message.set_content(notice.body)
    for attachment in notice.attachments:
        maintype, _, subtype = attachment.media_type.partition("/")
        message.add_attachment(
            attachment.path.read_bytes(),
            maintype=maintype,
            subtype=subtype,
            filename=attachment.file_name,
        )
    return message


class Outbox:
    def __init__(self, root: Path, transport: Transport, sender: str | None = None) -> None:
        self.receipts = root / "notices"
        self.transport = transport
        self.sender = sender or os.environ.get("NOTICE_FROM", "").strip() or DEFAULT_SENDER

    def send(self, notice: Notice) -> NoticeRecord:
        receipt = self.receipts / f"{notice.notice_id}.json"
        if receipt.exists():
            return NoticeRecord.model_validate_json(receipt.read_bytes())
        for attachment in notice.attachments:
            if not attachment.path.is_file():
                raise NoticeDeliveryError(
                    f"通知 {notice.notice_id} 的附件 {attachment.file_name} "
                    f"不存在：{attachment.path}"
                )
        sent_at = datetime.now(UTC)
        self.transport.deliver(notice, build_message(notice, self.sender, sent_at))
        record = NoticeRecord(
            notice_id=notice.notice_id,
            recipient=notice.recipient,
            notice_type=notice.notice_type,
            channel=self.transport.channel,
            sent_at=sent_at,
        )
        self.receipts.mkdir(parents=True, exist_ok=True)
        write_atomically(receipt, record.model_dump_json(by_alias=True).encode("utf-8"))
        return record
