//! Slack (and Microsoft Teams), through AWS Chatbot, now Amazon Q Developer in chat
//! applications.
//!
//! Chatbot subscribes to the topic with the `https` protocol (its endpoint is
//! `https://global.sns-api.chatbot.amazonaws.com`), so with `MessageStructure=json` it reads
//! the message's `https` key. It posts a message to the channel only when that is one of its
//! known event formats; anything else is dropped without an error. kpiwatch sends its
//! custom notification format, documented in the Chatbot administrator guide under "Custom
//! notifications":
//!
//! ```json
//! {"version": "1.0", "source": "custom", "id": "...",
//!  "content": {"textType": "client-markdown", "title": "...", "description": "...",
//!              "nextSteps": ["..."], "keywords": ["..."]},
//!  "metadata": {"threadId": "...", "summary": "...", "eventType": "...",
//!               "additionalContext": {"...": "..."}}}
//! ```
//!
//! `version` must be `1.0` and `source` `custom`; everything else is optional.
//! `client-markdown` is rendered in the chat platform's own markdown, so `*bold*` is bold in
//! Slack. `threadId` groups notifications in one thread when the channel allows it: kpiwatch
//! uses the rule id, so an alert's escalation, reminders and resolve follow it.

use serde_json::{Value, json};

use super::format_value;
use super::headline::{condition_text, headline};
use crate::model::{Level, Notification, NotificationKind};

/// Chatbot's custom notification for one notification.
pub fn custom_notification(notification: &Notification) -> Value {
    let title = format!("{} {}", emoji(notification), headline(notification));

    let mut description = String::new();
    if !notification.message.is_empty() {
        description.push_str(&notification.message);
        description.push('\n');
    }
    let mut value = notification.value_text();
    if let Some(previous) = notification.previous_value {
        value.push_str(&format!(
            " (previous {})",
            format_value(previous, &notification.unit)
        ));
    }
    description.push_str(&format!("*Value:* {value}\n"));
    let condition = condition_text(&notification.condition, &notification.unit);
    if !condition.is_empty() {
        let label = match notification.kind {
            NotificationKind::Resolved => "Was breaching",
            _ => "Condition",
        };
        description.push_str(&format!("*{label}:* {condition}\n"));
    }
    if !notification.sparkline.is_empty() {
        description.push_str(&format!("*Trend:* {}\n", notification.sparkline));
    }
    description.push_str(&format!(
        "_{} · {} · {} · run {}_",
        notification.rule.id,
        notification.kind,
        notification
            .at
            .to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
        notification.run_id
    ));

    let mut next_steps = Vec::new();
    if !notification.action.is_empty() {
        next_steps.push(notification.action.clone());
    }
    if !notification.runbook.is_empty() {
        next_steps.push(format!("Runbook: {}", notification.runbook));
    }

    let mut keywords = vec![
        notification.level.to_string(),
        notification.kind.to_string(),
    ];
    keywords.extend(
        notification
            .labels
            .iter()
            .map(|(name, value)| format!("{name}={value}")),
    );

    json!({
        "version": "1.0",
        "source": "custom",
        "id": notification.id,
        "content": {
            "textType": "client-markdown",
            "title": title,
            "description": description,
            "nextSteps": next_steps,
            "keywords": keywords,
        },
        "metadata": {
            "threadId": format!("kpiwatch/{}", notification.rule.id),
            "summary": headline(notification),
            "eventType": notification.kind.as_str(),
            "additionalContext": {
                "rule": notification.rule.id,
                "level": notification.level.as_str(),
                "at": notification.at,
                "run_id": notification.run_id,
            },
        },
    })
}

/// A coloured circle by severity, so a channel scans at a glance.
fn emoji(notification: &Notification) -> &'static str {
    match (notification.kind, notification.level) {
        (NotificationKind::Resolved, _) => ":large_green_circle:",
        (NotificationKind::NoData, _) => ":white_circle:",
        (NotificationKind::Flapping, _) => ":large_purple_circle:",
        (_, Level::Critical) => ":red_circle:",
        (_, Level::Warning) => ":large_orange_circle:",
        (_, Level::Ok) => ":large_green_circle:",
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::notify::testing::notification;

    #[test]
    fn a_critical_alert_becomes_a_custom_notification_with_next_steps() {
        let churn = notification(NotificationKind::Firing, Level::Critical, Some(6.2));
        let message = custom_notification(&churn);
        assert_eq!(
            message,
            json!({
                "version": "1.0",
                "source": "custom",
                "id": "churn-rate/firing/2026-12-03T10:05:00Z",
                "content": {
                    "textType": "client-markdown",
                    "title": ":red_circle: [CRITICAL] Churn rate 6.2% > 5%",
                    "description": "Churn is 6.2% (critical above 5%)\n\
                                    *Value:* 6.2% (previous 5.1%)\n\
                                    *Condition:* > 5%\n\
                                    *Trend:* ▁▂▃▅▇\n\
                                    _churn-rate · firing · 2026-12-03T10:05:00Z · \
                                    run 20261203T100500Z_",
                    "nextSteps": [
                        "Analyze churn reasons and launch a retention campaign",
                        "Runbook: https://wiki.example.com/runbooks/churn"
                    ],
                    "keywords": ["critical", "firing", "domain=retention", "team=growth"]
                },
                "metadata": {
                    "threadId": "kpiwatch/churn-rate",
                    "summary": "[CRITICAL] Churn rate 6.2% > 5%",
                    "eventType": "firing",
                    "additionalContext": {
                        "rule": "churn-rate",
                        "level": "critical",
                        "at": "2026-12-03T10:05:00Z",
                        "run_id": "20261203T100500Z"
                    }
                }
            })
        );
    }

    #[test]
    fn a_resolve_is_green_and_threads_with_its_alert() {
        let resolved = notification(NotificationKind::Resolved, Level::Ok, Some(3.0));
        let message = custom_notification(&resolved);
        assert_eq!(
            message["content"]["title"],
            ":large_green_circle: [RESOLVED] Churn rate 3%"
        );
        assert_eq!(message["metadata"]["threadId"], "kpiwatch/churn-rate");
    }
}
