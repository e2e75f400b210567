//! Console output for the CLI: one line a person reads at a glance, or one JSON document
//! per line for scripts.

use std::io::Write;
use std::sync::Mutex;

use anstyle::{AnsiColor, Style};
use async_trait::async_trait;

use super::headline::condition_text;
use super::{Delivery, Notifier};
use crate::model::{Level, Notification, NotificationKind};

/// How the console prints notifications.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OutputFormat {
    /// One line per notification: level, rule name, value, condition, kind and action.
    Text,
    /// One JSON document per line: the versioned notification document.
    Json,
}

/// A [`Notifier`] that writes to a terminal or a pipe. Colour is decided by the writer:
/// `anstream` strips it when the output is not a terminal or `NO_COLOR` is set.
pub struct ConsoleNotifier {
    format: OutputFormat,
    out: Mutex<Box<dyn Write + Send>>,
}

impl ConsoleNotifier {
    /// A notifier printing to standard output.
    pub fn stdout(format: OutputFormat) -> ConsoleNotifier {
        ConsoleNotifier::new(format, Box::new(anstream::stdout()))
    }

    /// A notifier printing to any writer, such as a buffer in tests.
    pub fn new(format: OutputFormat, out: Box<dyn Write + Send>) -> ConsoleNotifier {
        ConsoleNotifier {
            format,
            out: Mutex::new(out),
        }
    }
}

impl std::fmt::Debug for ConsoleNotifier {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ConsoleNotifier")
            .field("format", &self.format)
            .finish()
    }
}

#[async_trait]
impl Notifier for ConsoleNotifier {
    async fn deliver(&self, notifications: &[Notification]) -> Delivery {
        let mut out = self
            .out
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        let mut delivery = Delivery::default();
        // Once a write fails, the output is gone (a closed pipe, as in `kpiwatch run |
        // head -1`, or a full disk): the rest stay in the outbox with the same reason.
        let mut broken: Option<String> = None;
        for notification in notifications {
            if let Some(reason) = &broken {
                delivery
                    .failed
                    .push((notification.id.clone(), reason.clone()));
                continue;
            }
            let line = match self.format {
                OutputFormat::Text => text_line(notification),
                OutputFormat::Json => match serde_json::to_string(notification) {
                    Ok(json) => json,
                    Err(error) => {
                        delivery
                            .failed
                            .push((notification.id.clone(), error.to_string()));
                        continue;
                    }
                },
            };
            match writeln!(out, "{line}") {
                Ok(()) => delivery.accepted.push(notification.id.clone()),
                Err(error) => {
                    delivery
                        .failed
                        .push((notification.id.clone(), error.to_string()));
                    broken = Some(error.to_string());
                }
            }
        }
        if let Err(error) = out.flush() {
            for id in delivery.accepted.drain(..) {
                delivery.failed.push((id, error.to_string()));
            }
        }
        delivery
    }
}

/// `CRITICAL  Churn rate 6.2% > 5% ▂▄█ → Analyze churn reasons`: the badge, what happened,
/// the kind when the badge does not say it, the sparkline and the action.
pub fn text_line(n: &Notification) -> String {
    let (label, style) = badge(n);
    let mut line = format!("{style}{label:<9}{style:#} {}", what_happened(n));

    if matches!(
        n.kind,
        NotificationKind::Escalated | NotificationKind::Downgraded | NotificationKind::Reminder
    ) {
        line.push_str(&format!(" ({})", n.kind));
    }
    if n.sparkline.chars().count() > 1 {
        line.push_str(&format!(" {}", n.sparkline));
    }
    if !n.action.is_empty() && n.kind != NotificationKind::Resolved {
        line.push_str(&format!(" → {}", n.action));
    }
    line
}

/// The rule, its value and the condition it broke; for a resolve, the condition it had
/// broken; for a flapping notice, that it flaps. Notifications that have no value and
/// condition to show (source health, no data, a removed rule) show their message instead.
fn what_happened(n: &Notification) -> String {
    let name = &n.rule.name;
    let value = n.value_text();
    let condition = condition_text(&n.condition, &n.unit);
    match n.kind {
        NotificationKind::Resolved if n.value.is_none() => message(n),
        // After a no_data or flapping notice there is no broken condition to recall.
        NotificationKind::Resolved if condition.is_empty() => {
            format!("{name} {value} (back to normal)")
        }
        NotificationKind::Resolved => format!("{name} {value} (was {condition})"),
        // The notice carries the worst level of the changes, while the value is the
        // latest, which may be on the other side: `1 > 5` would read as a false claim.
        NotificationKind::Flapping => format!("{name} is flapping; now {value}"),
        _ if condition.is_empty() => message(n),
        _ => format!("{name} {value} {condition}"),
    }
}

/// The message, led by the rule name unless it already starts with it, as the default
/// sentences do.
fn message(n: &Notification) -> String {
    if n.message.starts_with(&n.rule.name) {
        n.message.clone()
    } else {
        format!("{}: {}", n.rule.name, n.message)
    }
}

fn badge(n: &Notification) -> (&'static str, Style) {
    let colour = |c: AnsiColor| Style::new().fg_color(Some(c.into())).bold();
    match (n.kind, n.level) {
        (NotificationKind::Resolved, _) => ("RESOLVED", colour(AnsiColor::Green)),
        (NotificationKind::NoData, _) => ("NO DATA", colour(AnsiColor::Magenta)),
        (NotificationKind::Flapping, _) => ("FLAPPING", colour(AnsiColor::Cyan)),
        (_, Level::Critical) => ("CRITICAL", colour(AnsiColor::Red)),
        (_, Level::Warning) => ("WARNING", colour(AnsiColor::Yellow)),
        (_, Level::Ok) => ("OK", colour(AnsiColor::Green)),
    }
}

#[cfg(test)]
mod tests {
    use std::io;

    use super::*;
    use crate::notify::testing::notification;

    /// The line as a pipe receives it, without colour.
    fn plain(n: &Notification) -> String {
        anstream::adapter::strip_str(&text_line(n)).to_string()
    }

    fn source_health(kind: NotificationKind, level: Level, message: &str) -> Notification {
        let mut n = notification(kind, level, None);
        n.rule.id = "source-health:dash".into();
        n.rule.name = "Source dash".into();
        n.unit = String::new();
        n.condition = String::new();
        n.sparkline = "███▁".into();
        n.message = message.into();
        n.action = String::new();
        n
    }

    #[test]
    fn an_alert_shows_its_value_and_the_condition_with_its_unit() {
        let n = notification(NotificationKind::Escalated, Level::Critical, Some(6.2));
        assert_eq!(
            plain(&n),
            "CRITICAL  Churn rate 6.2% > 5% (escalated) ▁▂▃▅▇ \
             → Analyze churn reasons and launch a retention campaign"
        );
    }

    #[test]
    fn a_resolve_recalls_the_broken_condition_or_says_it_is_back_to_normal() {
        let mut n = notification(NotificationKind::Resolved, Level::Ok, Some(3.0));
        assert_eq!(plain(&n), "RESOLVED  Churn rate 3% (was > 5%) ▁▂▃▅▇");
        // After a no_data notice the resolve names no condition.
        n.condition = String::new();
        assert_eq!(plain(&n), "RESOLVED  Churn rate 3% (back to normal) ▁▂▃▅▇");
    }

    #[test]
    fn source_health_lines_are_their_sentences_without_the_name_twice() {
        let failing = source_health(
            NotificationKind::Firing,
            Level::Warning,
            "Source dash is failing: HTTP 502",
        );
        assert_eq!(
            plain(&failing),
            "WARNING   Source dash is failing: HTTP 502 ███▁"
        );
        let healthy = source_health(
            NotificationKind::Resolved,
            Level::Ok,
            "Source dash is healthy again (last error: HTTP 502)",
        );
        assert_eq!(
            plain(&healthy),
            "RESOLVED  Source dash is healthy again (last error: HTTP 502) ███▁"
        );
    }

    #[test]
    fn a_no_data_line_is_the_sentence_and_a_custom_message_is_led_by_the_name() {
        let mut n = notification(NotificationKind::NoData, Level::Critical, None);
        n.condition = String::new();
        n.sparkline = "▄··".into();
        n.action = String::new();
        n.message = "Churn rate has no data: its last 3 values are missing".into();
        assert_eq!(
            plain(&n),
            "NO DATA   Churn rate has no data: its last 3 values are missing ▄··"
        );
        n.message = "No churn figure from billing".into();
        assert_eq!(
            plain(&n),
            "NO DATA   Churn rate: No churn figure from billing ▄··"
        );
    }

    #[test]
    fn a_flapping_line_says_so_and_does_not_set_its_value_against_the_condition() {
        // Flapping at critical, noticed on a run whose value is back under the threshold.
        let n = notification(NotificationKind::Flapping, Level::Critical, Some(1.0));
        assert_eq!(
            plain(&n),
            "FLAPPING  Churn rate is flapping; now 1% ▁▂▃▅▇ \
             → Analyze churn reasons and launch a retention campaign"
        );
    }

    #[tokio::test]
    async fn a_closed_output_fails_every_notification_with_one_reason() {
        // A real pipe whose reader has gone, as after `kpiwatch run | head -1`.
        let (reader, writer) = io::pipe().unwrap();
        drop(reader);
        let console = ConsoleNotifier::new(OutputFormat::Text, Box::new(writer));
        let notifications = [
            notification(NotificationKind::Firing, Level::Critical, Some(6.2)),
            notification(NotificationKind::Reminder, Level::Critical, Some(6.3)),
        ];
        let delivery = console.deliver(&notifications).await;
        assert!(delivery.accepted.is_empty());
        let reasons: Vec<&str> = delivery.failed.iter().map(|(_, r)| r.as_str()).collect();
        assert_eq!(reasons.len(), 2);
        assert_eq!(reasons[0], reasons[1]);
        assert!(reasons[0].contains("pipe"), "{}", reasons[0]);
    }
}
