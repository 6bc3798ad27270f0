"""The outbox: file transport by default, SMTP by configuration, one delivery per notice."""

from __future__ import annotations

from email import message_from_bytes, policy
from email.message import EmailMessage
from pathlib import Path

import pytest

from workers.notices import (
    Attachment,
    FileTransport,
    Notice,
    NoticeDeliveryError,
    Outbox,
    SmtpTransport,
    transport_from_environment,
)


def a_notice(tmp_path: Path, address: str | None = "liming@example.org") -> Notice:
    attachment = tmp_path / "notice.pdf"
    attachment.write_bytes(b"%PDF-1.4 test")
    return Notice(
        notice_id="acceptance-notice-applicant-42",
        notice_type="acceptance-notice",
        recipient="applicant",
        recipient_name="李明同志",
        address=address,
        subject="容错免责申请受理通知书（游容免〔2026〕3号）",
        body="李明同志：\n\n现将受理通知书送达。\n",
        attachments=[Attachment(file_name="2026-0003-acceptance-notice.pdf", path=attachment)],
    )


def read_eml(path: Path) -> EmailMessage:
    message = message_from_bytes(path.read_bytes(), policy=policy.default)
    assert isinstance(message, EmailMessage)
    return message


def test_file_transport_writes_an_eml_with_the_attachment(tmp_path: Path) -> None:
    outbox = Outbox(tmp_path, FileTransport(tmp_path / "outbox"), sender="office@example.org")
    record = outbox.send(a_notice(tmp_path))
    assert record.channel == "file"
    assert record.to_variables()["noticeId"] == "acceptance-notice-applicant-42"

    message = read_eml(tmp_path / "outbox" / "acceptance-notice-applicant-42.eml")
    assert message["Subject"] == "容错免责申请受理通知书（游容免〔2026〕3号）"
    assert "liming@example.org" in message["To"]
    assert message["X-Notice-Type"] == "acceptance-notice"
    body = message.get_body(("plain",))
    assert body is not None and "现将受理通知书送达" in body.get_content()
    [attachment] = list(message.iter_attachments())
    assert attachment.get_filename() == "2026-0003-acceptance-notice.pdf"
    assert attachment.get_content() == b"%PDF-1.4 test"


def test_a_retried_notice_is_not_delivered_twice(tmp_path: Path) -> None:
    deliveries: list[str] = []

    class CountingTransport:
        channel = "counting"

        def deliver(self, notice: Notice, message: EmailMessage) -> None:
            deliveries.append(notice.notice_id)

    outbox = Outbox(tmp_path, CountingTransport())
    first = outbox.send(a_notice(tmp_path))
    again = outbox.send(a_notice(tmp_path))
    assert again == first
    assert deliveries == ["acceptance-notice-applicant-42"]


def test_failed_delivery_leaves_no_receipt_so_the_retry_sends(tmp_path: Path) -> None:
    class BrokenTransport:
        channel = "broken"

        def deliver(self, notice: Notice, message: EmailMessage) -> None:
            raise ConnectionError("mail server down")

    with pytest.raises(ConnectionError):
        Outbox(tmp_path, BrokenTransport()).send(a_notice(tmp_path))
    record = Outbox(tmp_path, FileTransport(tmp_path / "outbox")).send(a_notice(tmp_path))
    assert record.channel == "file"


def test_missing_attachment_is_reported(tmp_path: Path) -> None:
    notice = a_notice(tmp_path)
    notice.attachments[0].path.unlink()
    with pytest.raises(NoticeDeliveryError, match="附件"):
        Outbox(tmp_path, FileTransport(tmp_path / "outbox")).send(notice)


def test_smtp_needs_an_address(tmp_path: Path) -> None:
    transport = SmtpTransport("mail.invalid", 25, "none")
    with pytest.raises(NoticeDeliveryError, match="没有电子邮箱地址"):
        Outbox(tmp_path, transport).send(a_notice(tmp_path, address=None))


def test_transport_is_chosen_by_environment(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("NOTICE_TRANSPORT", raising=False)
    assert isinstance(transport_from_environment(tmp_path), FileTransport)

    monkeypatch.setenv("NOTICE_TRANSPORT", "smtp")
    monkeypatch.delenv("SMTP_HOST", raising=False)
    with pytest.raises(NoticeDeliveryError, match="SMTP_HOST"):
        transport_from_environment(tmp_path)

    monkeypatch.setenv("SMTP_HOST", "mail.example.org")
    monkeypatch.setenv("SMTP_SECURITY", "ssl")
    transport = transport_from_environment(tmp_path)
    assert isinstance(transport, SmtpTransport)
    assert (transport.host, transport.port, transport.security) == ("mail.example.org", 465, "ssl")

    monkeypatch.setenv("SMTP_PORT", "twenty-five")
    with pytest.raises(NoticeDeliveryError, match="SMTP_PORT"):
        transport_from_environment(tmp_path)

    monkeypatch.setenv("NOTICE_TRANSPORT", "pigeon")
    with pytest.raises(NoticeDeliveryError, match="NOTICE_TRANSPORT"):
        transport_from_environment(tmp_path)


def test_smtp_transport_sends_through_the_configured_server(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    sent: list[tuple[str, object]] = []

    class RecordingSMTP:
        def __init__(self, host: str, port: int, timeout: float) -> None:
            sent.append(("connect", (host, port)))

        def __enter__(self) -> RecordingSMTP:
            return self

        def __exit__(self, *exc_info: object) -> None:
            sent.append(("quit", None))

        def starttls(self, context: object) -> None:
            sent.append(("starttls", None))

        def login(self, user: str, password: str) -> None:
            sent.append(("login", user))

        def send_message(self, message: EmailMessage) -> None:
            sent.append(("send", message["To"]))

    monkeypatch.setattr("workers.notices.smtplib.SMTP", RecordingSMTP)
    transport = SmtpTransport("mail.example.org", 587, "starttls", "office", "secret")
    record = Outbox(tmp_path, transport).send(a_notice(tmp_path))
    assert record.channel == "smtp"
    assert [step for step, _ in sent] == ["connect", "starttls", "login", "send", "quit"]
    assert sent[0][1] == ("mail.example.org", 587)
    assert "liming@example.org" in str(sent[3][1])
