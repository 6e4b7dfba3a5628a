"""Alerts reach the data team: through Airflow's SMTP connection to a real SMTP server on
loopback, and when the server is down the pipeline carries on with the log line only."""

from __future__ import annotations

import json
import logging
import socket

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.handlers import Message

from dacall import alerts
from dacall.alerts import alert


class Inbox(Message):
    def __init__(self):
        super().__init__()
        self.messages = []

    def handle_message(self, message):
        self.messages.append(message)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def smtp_connection(monkeypatch, port: int) -> None:
    """The Airflow connection smtp_default, from the environment as a deployment would set it."""
    monkeypatch.setenv(
        "AIRFLOW_CONN_SMTP_DEFAULT",
        json.dumps(
            {
                "conn_type": "smtp",
                "host": "127.0.0.1",
                "port": port,
                "extra": {"disable_ssl": True, "disable_tls": True, "timeout": 5},
            }
        ),
    )


@pytest.fixture
def inbox():
    handler = Inbox()
    server = Controller(handler, hostname="127.0.0.1", port=free_port())
    server.start()
    yield server.port, handler.messages
    server.stop()


def test_an_alert_is_emailed_through_the_airflow_smtp_connection(inbox, monkeypatch):
    port, messages = inbox
    smtp_connection(monkeypatch, port)
    delivered = alert("2 quality gate(s) failed", ["gate_raw_cc_log: 3 unexpected", "a < b"])
    assert delivered == ["log", "email"]
    assert len(messages) == 1
    message = messages[0]
    assert message["Subject"] == "[dacall] 2 quality gate(s) failed"
    assert message["To"] == "data-team@example.invalid"
    assert message["From"] == "dacall@example.invalid"
    body = "".join(
        part.get_payload(decode=True).decode() for part in message.walk() if not part.is_multipart()
    )
    assert "gate_raw_cc_log: 3 unexpected" in body and "a &lt; b" in body


def test_without_a_mail_server_the_alert_is_logged_and_nothing_stops(monkeypatch, caplog):
    smtp_connection(monkeypatch, free_port())  # nothing listens there
    with caplog.at_level(logging.WARNING, logger="dacall.alerts"):
        delivered = alert("compliance exceptions", ["18 claims without a matching audit"])
    assert delivered == ["log"]
    assert any("ALERT compliance exceptions" in r.getMessage() for r in caplog.records)
    assert any("alert email not sent" in r.getMessage() for r in caplog.records)


def test_a_step_alert_is_emailed_from_a_child_process_and_the_run_waits_for_it_at_its_end(
    inbox, monkeypatch
):
    """Outside Airflow a pipeline step does not wait for the email (importing Airflow and the
    mail server's answer): a child sends it, and `wait_for_emails` (the end of `dacall run`)
    collects it."""
    port, messages = inbox
    smtp_connection(monkeypatch, port)
    monkeypatch.setattr(alerts, "in_airflow", lambda: False)
    delivered = alert("compliance exceptions", ["18 claims without a matching audit"], wait=False)
    assert delivered == ["log"]
    assert len(alerts._sending) == 1  # a child process is sending it
    assert alerts.wait_for_emails() == 1
    assert alerts._sending == []
    assert len(messages) == 1
    assert messages[0]["Subject"] == "[dacall] compliance exceptions"
    body = "".join(
        part.get_payload(decode=True).decode()
        for part in messages[0].walk()
        if not part.is_multipart()
    )
    assert "18 claims without a matching audit" in body


def test_a_step_alert_whose_email_fails_in_its_child_is_logged_by_name(monkeypatch, caplog):
    smtp_connection(monkeypatch, free_port())  # nothing listens there
    monkeypatch.setattr(alerts, "in_airflow", lambda: False)
    with caplog.at_level(logging.WARNING, logger="dacall.alerts"):
        assert alert("2 quality gate(s) failed", ["gate_raw_cc_log: 3"], wait=False) == ["log"]
        assert alerts.wait_for_emails() == 0
    warnings = [r.getMessage() for r in caplog.records if "alert email not sent" in r.getMessage()]
    assert warnings == [
        "alert email not sent (ConnectionRefusedError): configure the Airflow connection "
        "smtp_default"
    ]


def test_inside_airflow_a_step_alert_is_emailed_at_once_in_its_own_process(inbox, monkeypatch):
    """A task reads its connections through Airflow's supervisor, which a child could not."""
    port, messages = inbox
    smtp_connection(monkeypatch, port)
    monkeypatch.setattr(alerts, "in_airflow", lambda: True)
    assert alert("task failed", ["dacall_transform.verdict failed"], wait=False) == [
        "log",
        "email",
    ]
    assert alerts._sending == [] and len(messages) == 1
