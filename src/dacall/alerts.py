"""Tell the data team: a log line always, and an email through Airflow's SMTP connection when
one is configured (config/alerts.yml). Messages carry suite names and counts only."""

from __future__ import annotations

import html
import logging

from dacall.settings import load_yaml

log = logging.getLogger("dacall.alerts")


def alert(subject: str, lines: list[str]) -> list[str]:
    """Send an alert on every configured channel; returns the channels that delivered it."""
    config = load_yaml("alerts.yml")
    delivered = []
    body = "\n".join(lines)
    if "log" in config.get("channels", []):
        log.warning("ALERT %s: %s", subject, " | ".join(lines))
        delivered.append("log")
    if "email" in config.get("channels", []):
        email = config.get("email", {})
        try:
            from airflow.providers.smtp.hooks.smtp import SmtpHook

            with SmtpHook(smtp_conn_id=email.get("conn_id", "smtp_default")) as hook:
                hook.send_email_smtp(
                    to=email.get("to", []),
                    subject=f"{email.get('subject_prefix', '[dacall]')} {subject}",
                    html_content="<pre>" + html.escape(body) + "</pre>",
                    from_email=email.get("from"),
                )
            delivered.append("email")
        except Exception as exc:  # noqa: BLE001 - an unset mail server must not stop the pipeline
            log.warning(
                "alert email not sent (%s): configure the Airflow connection %s",
                type(exc).__name__,
                email.get("conn_id", "smtp_default"),
            )
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
