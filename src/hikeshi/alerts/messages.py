"""What alert groups look like in chat: Slack blocks with the counts and Acknowledge / Resolve buttons."""

from __future__ import annotations

from typing import Any

from hikeshi.alerts.normalized import Severity
from hikeshi.alerts.rules import SEVERITY_LABELS, STATUS_LABELS, AlertStatus
from hikeshi.core.i18n import translations

SEVERITY_EMOJI = {
    "critical": ":red_circle:",
    "error": ":large_orange_circle:",
    "warning": ":large_yellow_circle:",
    "info": ":white_circle:",
}
ACK_ACTION = "alert_group_acknowledge"
RESOLVE_ACTION = "alert_group_resolve"


def group_message(
    *,
    group_id: int,
    title: str,
    severity: str,
    status: str,
    alert_count: int,
    open_alert_count: int,
    integration_name: str,
    link: str,
    language: str,
) -> tuple[str, list[dict[str, Any]]]:
    """Fallback text and blocks for one alert group, in the company's language."""
    speaker = translations("en" if language == "en" else "ja")
    _ = speaker.gettext
    state = _(STATUS_LABELS[AlertStatus(status)])
    level = _(SEVERITY_LABELS[Severity(severity)])
    counts = _("{open} open of {total} alerts").format(open=open_alert_count, total=alert_count)
    text = f"{SEVERITY_EMOJI.get(severity, '')} [{state}] {title} ({level}, {counts})"
    blocks: list[dict[str, Any]] = [
        {"type": "section", "text": {"type": "mrkdwn", "text": f"*<{link}|{_escape(title)}>*"}},
        {
            "type": "context",
            "elements": [
                {
                    "type": "mrkdwn",
                    "text": f"{SEVERITY_EMOJI.get(severity, '')} {level} · {state} · {counts}",
                },
                {"type": "mrkdwn", "text": _escape(integration_name)},
            ],
        },
    ]
    if status != AlertStatus.RESOLVED:
        buttons = [
            {
                "type": "button",
                "action_id": RESOLVE_ACTION,
                "value": str(group_id),
                "text": _plain(_("Resolve")),
            },
        ]
        if status == AlertStatus.TRIGGERED:
            ack = {
                "type": "button",
                "action_id": ACK_ACTION,
                "value": str(group_id),
                "style": "primary",
                "text": _plain(_("Acknowledge")),
            }
            buttons.insert(0, ack)
        blocks.append({"type": "actions", "block_id": f"alert_group:{group_id}", "elements": buttons})
    return text, blocks


def _plain(text: str) -> dict[str, Any]:
    return {"type": "plain_text", "text": text[:75]}


def _escape(text: str) -> str:
    """Slack's mrkdwn needs only these three escaped."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
