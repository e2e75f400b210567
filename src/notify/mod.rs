//! Delivering notifications: to the console for the CLI, to SNS for the Lambda.
//!
//! A [`Notifier`] reports, per notification, whether it was accepted. Only accepted ones
//! are marked sent in the store; the rest stay in the outbox for the next run.

pub mod chatbot;
mod console;
pub mod email;
mod format;
mod headline;
mod open;
mod sns;
#[cfg(test)]
mod testing;

use async_trait::async_trait;

pub use console::{ConsoleNotifier, OutputFormat, text_line};
pub use format::{
    MISSING_VALUE, SPARKLINE_GAP, format_change, format_threshold, format_value,
    rounded_for_reading, sparkline,
};
pub use headline::headline;
pub use open::{NotifierUrl, NotifierUrlError, TopicArn, open};
pub use sns::SnsNotifier;

use crate::model::Notification;

/// What a delivery attempt achieved.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Delivery {
    /// Ids of the notifications the destination accepted.
    pub accepted: Vec<String>,
    /// Ids of those it did not, each with the reason, safe to log.
    pub failed: Vec<(String, String)>,
}

/// A destination for notifications.
#[async_trait]
pub trait Notifier: Send + Sync {
    /// Delivers each notification once. Never fails as a whole: per-notification failures
    /// are reported in the returned [`Delivery`].
    async fn deliver(&self, notifications: &[Notification]) -> Delivery;
}
