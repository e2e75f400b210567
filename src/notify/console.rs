//! Console output for the CLI: one line a person reads at a glance, or one JSON document
//! per line for scripts.

use std::io::Write;
use std::sync::Mutex;

use anstyle::{AnsiColor, Style};
use async_trait::async_trait;

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
        for notification in notifications {
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
                // A closed pipe (`kpiwatch run | head -1`) leaves the rest in the outbox.
                Err(error) => delivery
                    .failed
                    .push((notification.id.clone(), error.to_string())),
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

/// `CRITICAL  Churn rate 6.2% > 5 (firing) ▂▄█ → Analyze churn reasons`
pub fn text_line(n: &Notification) -> String {
    let (label, style) = badge(n);
    let mut line = format!("{style}{label:<9}{style:#} {}", n.rule.name);

    match n.kind {
        NotificationKind::Resolved => {
            line.push_str(&format!(" {}", n.value_text()));
            if !n.condition.is_empty() {
                line.push_str(&format!(" (was {})", n.condition));
            }
        }
        NotificationKind::NoData => line.push_str(&format!(": {}", n.message)),
        _ if n.condition.is_empty() => line.push_str(&format!(": {}", n.message)),
        _ => line.push_str(&format!(" {} {}", n.value_text(), n.condition)),
    }
    if !matches!(
        n.kind,
        NotificationKind::Firing | NotificationKind::Resolved
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
