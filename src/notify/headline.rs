//! The one-line summary of a notification, as an email subject or a chat title shows it:
//! `[CRITICAL] Churn rate 6.2% > 5%`, `[RESOLVED] Churn rate 3%`.

use crate::model::{Level, Notification, NotificationKind};

/// The headline of a notification: a tag, the rule name, the value and, while firing, the
/// condition it broke. One line, of any length.
pub fn headline(notification: &Notification) -> String {
    let name = &notification.rule.name;
    let value = notification.value_text();
    let condition = condition_text(&notification.condition, &notification.unit);
    let breach = match (notification.value, condition.is_empty()) {
        (Some(_), false) => format!("{name} {value} {condition}"),
        (Some(_), true) => format!("{name} {value}"),
        (None, _) => format!("{name}: value missing"),
    };
    let tag = tag(notification);
    let line = match notification.kind {
        NotificationKind::Firing => format!("[{tag}] {breach}"),
        NotificationKind::Escalated => format!("[{tag}] {breach} (escalated)"),
        NotificationKind::Downgraded => format!("[{tag}] {breach} (downgraded)"),
        NotificationKind::Reminder => format!("[{tag}] {breach} (still firing)"),
        NotificationKind::Resolved if notification.value.is_some() => {
            format!("[{tag}] {name} {value}")
        }
        NotificationKind::Resolved => format!("[{tag}] {name}"),
        NotificationKind::NoData => format!("[{tag}] {name}: no data"),
        NotificationKind::Flapping => format!("[{tag}] {name} is flapping"),
    };
    single_line(&line)
}

/// The tag in brackets: the level for an alert, the event otherwise.
pub fn tag(notification: &Notification) -> &'static str {
    match notification.kind {
        NotificationKind::Resolved => "RESOLVED",
        NotificationKind::NoData => "NO DATA",
        NotificationKind::Flapping => "FLAPPING",
        _ => match notification.level {
            Level::Critical => "CRITICAL",
            Level::Warning => "WARNING",
            Level::Ok => "OK",
        },
    }
}

/// A condition with the rule's unit, as people write a threshold: `> 5%`, `> 200 ms`.
pub fn condition_text(condition: &str, unit: &str) -> String {
    let condition = condition.trim();
    match unit.chars().next() {
        _ if condition.is_empty() => String::new(),
        None => condition.to_string(),
        Some(c) if c.is_alphanumeric() => format!("{condition} {unit}"),
        Some(_) => format!("{condition}{unit}"),
    }
}

/// Line breaks, Unicode line and paragraph separators and other control characters, which
/// rule names and templates may contain, become spaces: a subject or a title is one line.
fn single_line(text: &str) -> String {
    text.chars()
        .map(|c| {
            if c.is_control() || c.is_whitespace() {
                ' '
            } else {
                c
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::notify::testing::notification;

    #[test]
    fn alerts_show_the_level_value_and_broken_condition() {
        let churn = notification(NotificationKind::Firing, Level::Critical, Some(6.2));
        assert_eq!(headline(&churn), "[CRITICAL] Churn rate 6.2% > 5%");

        let mut latency = notification(NotificationKind::Reminder, Level::Warning, Some(240.0));
        latency.rule.name = "p99 latency".into();
        latency.unit = "ms".into();
        latency.condition = "> 200".into();
        assert_eq!(
            headline(&latency),
            "[WARNING] p99 latency 240 ms > 200 ms (still firing)"
        );
    }

    #[test]
    fn resolves_show_the_value_only() {
        let resolved = notification(NotificationKind::Resolved, Level::Ok, Some(3.0));
        assert_eq!(headline(&resolved), "[RESOLVED] Churn rate 3%");
    }

    #[test]
    fn missing_values_and_events_without_a_value_read_plainly() {
        let missing = notification(NotificationKind::Firing, Level::Critical, None);
        assert_eq!(headline(&missing), "[CRITICAL] Churn rate: value missing");
        let no_data = notification(NotificationKind::NoData, Level::Ok, None);
        assert_eq!(headline(&no_data), "[NO DATA] Churn rate: no data");
    }

    #[test]
    fn headlines_are_one_line() {
        let mut odd = notification(NotificationKind::Firing, Level::Critical, Some(6.2));
        odd.rule.name = "Churn\nrate\u{2028}(EU)\u{2029}".into();
        assert_eq!(headline(&odd), "[CRITICAL] Churn rate (EU)  6.2% > 5%");
    }
}
