"""Tell the data team: a log line always, and an email through Airflow's SMTP connection when
one is configured (config/alerts.yml). Messages carry suite names and counts only.

A pipeline step alerts without waiting for the email (`wait=False`). Inside an Airflow task
Airflow is loaded already and the email goes at once, in the task's process (only there can a
task read its connections). Elsewhere (`dacall run`) the email goes from a child process,
which imports Airflow (1 to 1.5 s) and talks to the mail server while the run goes on; the run
waits for it at its end (`wait_for_emails`), and every process does before it exits. A slow or
unreachable mail server therefore never holds a step.

    python -m dacall.alerts     (started by `alert`, not by hand: one email on standard input)
"""

from __future__ import annotations

import atexit
import html
import json
import logging
import subprocess
import sys
import threading

from dacall.settings import load_yaml

log = logging.getLogger("dacall.alerts")

# Emails being sent by child processes: (the child, its connection id).
_sending: list[tuple[subprocess.Popen, str]] = []
_sending_lock = threading.Lock()
SENT = "sent"  # the last line a child prints when its email went


def _email(subject: str, body: str, email: dict) -> dict:
    return {
        "conn_id": email.get("conn_id", "smtp_default"),
        "to": email.get("to", []),
        "subject": f"{email.get('subject_prefix', '[dacall]')} {subject}",
        "html_content": "<pre>" + html.escape(body) + "</pre>",
        "from_email": email.get("from"),
    }


def send_email(message: dict) -> None:
    """One email (as `_email` makes it) through Airflow's SMTP hook; raises when it fails."""
    from airflow.providers.smtp.hooks.smtp import SmtpHook

    with SmtpHook(smtp_conn_id=message["conn_id"]) as hook:
        hook.send_email_smtp(
            to=message["to"],
            subject=message["subject"],
            html_content=message["html_content"],
            from_email=message["from_email"],
        )


def in_airflow() -> bool:
    """Whether this process has Airflow loaded (an Airflow task, or its callback)."""
    return "airflow" in sys.modules


def _not_sent(reason: str, conn_id: str) -> None:
    log.warning("alert email not sent (%s): configure the Airflow connection %s", reason, conn_id)


def _send_meanwhile(message: dict) -> None:
    child = subprocess.Popen(
        [sys.executable, "-m", "dacall.alerts"],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    # The message goes on standard input, never on the command line (which `ps` shows).
    child.stdin.write(json.dumps(message))
    child.stdin.close()
    with _sending_lock:
        _sending.append((child, message["conn_id"]))


def wait_for_emails() -> int:
    """Wait for the emails being sent by child processes; log each one not sent. Returns how
    many were sent."""
    with _sending_lock:
        children = list(_sending)
        _sending.clear()
    sent = 0
    for child, conn_id in children:
        output = child.stdout.read()
        child.wait()
        # The child's last line says what happened; whatever Airflow printed before it is not
        # repeated (it may name the mail server).
        lines = output.strip().splitlines()
        last = lines[-1] if lines else "no output"
        if child.returncode == 0 and last == SENT:
            sent += 1
        else:
            _not_sent(last if last.isidentifier() else "its sender failed", conn_id)
    return sent


atexit.register(wait_for_emails)


def alert(subject: str, lines: list[str], wait: bool = True) -> list[str]:
    """Send an alert on every configured channel; returns the channels that delivered it. With
    `wait=False` and Airflow not loaded, the email is sent by a child process and is not in the
    list: `wait_for_emails` says whether it went."""
    config = load_yaml("alerts.yml")
    delivered = []
    body = "\n".join(lines)
    if "log" in config.get("channels", []):
        log.warning("ALERT %s: %s", subject, " | ".join(lines))
        delivered.append("log")
    if "email" in config.get("channels", []):
        message = _email(subject, body, config.get("email", {}))
        if not wait and not in_airflow():
            _send_meanwhile(message)
            return delivered
        try:
            send_email(message)
            delivered.append("email")
        except Exception as exc:  # noqa: BLE001 - an unset mail server must not stop the pipeline
            _not_sent(type(exc).__name__, message["conn_id"])
    return delivered


def on_task_failure(context) -> None:
    """Airflow on_failure_callback: which DAG and task failed, nothing from the data."""
    task_instance = context.get("task_instance")
    dag_id = getattr(task_instance, "dag_id", "?")
    task_id = getattr(task_instance, "task_id", "?")
    alert(
        f"task failed: {dag_id}.{task_id}",
        [
            f"{dag_id}.{task_id} failed (try {getattr(task_instance, 'try_number', '?')}); "
            "see its Airflow log"
        ],
    )


def _main() -> int:
    """The child of `_send_meanwhile`: send the email on standard input; its last line says
    whether it went (`sent`) or the name of what stopped it."""
    message = json.loads(sys.stdin.read())
    try:
        send_email(message)
    except Exception as exc:  # noqa: BLE001 - reported to the parent, which logs it
        print(f"\n{type(exc).__name__}", flush=True)
        return 1
    print(f"\n{SENT}", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(_main())
