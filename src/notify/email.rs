//! Email: a subject line and a plain-text body, laid out to be read on a phone.
//!
//! Plain text, because SNS email subscriptions deliver text only. Short lines of
//! `Label: value`, the headline first and what to do near the top, so the lock-screen
//! preview already says what happened.

use super::format_value;
use super::headline::{condition_text, headline, truncate};
use crate::model::{Notification, NotificationKind};

/// SNS takes subjects of fewer than 100 characters.
pub const MAX_SUBJECT_CHARS: usize = 99;

/// The email subject: the headline, cut to [`MAX_SUBJECT_CHARS`].
pub fn subject(notification: &Notification) -> String {
    truncate(&headline(notification), MAX_SUBJECT_CHARS)
}

/// The email body.
pub fn body(notification: &Notification) -> String {
    let mut text = headline(notification);
    text.push_str("\n\n");
    if !notification.message.is_empty() {
        text.push_str(&notification.message);
        text.push_str("\n\n");
    }

    let mut facts = Facts::default();
    facts.add("Action", &notification.action);
    facts.add("Runbook", &notification.runbook);
    let mut value = notification.value_text();
    if let Some(previous) = notification.previous_value {
        value.push_str(&format!(
            " (previous {})",
            format_value(previous, &notification.unit)
        ));
    }
    facts.add("Value", &value);
    let condition = condition_text(&notification.condition, &notification.unit);
    let condition_label = match notification.kind {
        NotificationKind::Resolved => "Was breaching",
        _ => "Condition",
    };
    facts.add(condition_label, &condition);
    facts.add("Trend", &notification.sparkline);
    let labels: Vec<String> = notification
        .labels
        .iter()
        .map(|(name, value)| format!("{name}={value}"))
        .collect();
    facts.add("Labels", &labels.join(", "));
    text.push_str(&facts.0);

    let mut context = Facts::default();
    context.add(
        "Rule",
        &format!("{} ({})", notification.rule.name, notification.rule.id),
    );
    context.add(
        "Event",
        &format!(
            "{}, {} at {}",
            notification.kind,
            notification.level,
            notification
                .at
                .to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
        ),
    );
    context.add("Run", &notification.run_id);
    context.add("Id", &notification.id);
    text.push('\n');
    text.push_str(&context.0);
    text
}

/// `Label: value` lines, skipping empty values.
#[derive(Default)]
struct Facts(String);

impl Facts {
    fn add(&mut self, label: &str, value: &str) {
        if !value.trim().is_empty() {
            self.0.push_str(&format!("{label}: {value}\n"));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::Level;
    use crate::notify::testing::notification;

    #[test]
    fn the_body_reads_top_down_from_what_happened_to_where_it_came_from() {
        let churn = notification(NotificationKind::Firing, Level::Critical, Some(6.2));
        assert_eq!(
            body(&churn),
            "[CRITICAL] Churn rate 6.2% > 5%\n\
             \n\
             Churn is 6.2% (critical above 5%)\n\
             \n\
             Action: Analyze churn reasons and launch a retention campaign\n\
             Runbook: https://wiki.example.com/runbooks/churn\n\
             Value: 6.2% (previous 5.1%)\n\
             Condition: > 5%\n\
             Trend: ▁▂▃▅▇\n\
             Labels: domain=retention, team=growth\n\
             \n\
             Rule: Churn rate (churn-rate)\n\
             Event: firing, critical at 2026-12-03T10:05:00Z\n\
             Run: 20261203T100500Z\n\
             Id: churn-rate/firing/2026-12-03T10:05:00Z\n"
        );
    }

    #[test]
    fn a_resolve_names_the_condition_that_no_longer_holds_and_skips_empty_facts() {
        let mut resolved = notification(NotificationKind::Resolved, Level::Ok, Some(3.0));
        resolved.action.clear();
        resolved.labels.clear();
        let text = body(&resolved);
        assert!(text.starts_with("[RESOLVED] Churn rate 3%\n"), "{text}");
        assert!(text.contains("Was breaching: > 5%\n"), "{text}");
        assert!(
            !text.contains("Action:") && !text.contains("Labels:"),
            "{text}"
        );
    }

    #[test]
    fn subjects_stay_under_the_sns_limit() {
        let mut long = notification(NotificationKind::Firing, Level::Critical, Some(6.2));
        long.rule.name = "A rule name far longer than anyone should write ".repeat(4);
        let subject = subject(&long);
        assert!(subject.chars().count() <= MAX_SUBJECT_CHARS);
        assert!(subject.ends_with('…'));
    }
}
