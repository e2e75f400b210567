//! Publishing to an SNS topic, which fans out to email, Slack through AWS Chatbot, queues and
//! functions. How one notification becomes one message is in [`message`].
//!
//! Notifications go out with `PublishBatch`, up to 10 a call and 256 KiB a request, which
//! SNS accepts or refuses entry by entry. Entries refused for a reason that passes
//! (throttling, an internal error) are sent again with [`Backoff::STANDARD`]; those still
//! refused after that, or refused for good, are reported failed and stay in the outbox for
//! the next run.

mod message;

use std::collections::BTreeMap;

use async_trait::async_trait;
use aws_sdk_sns::Client;
use aws_sdk_sns::types::{BatchResultErrorEntry, MessageAttributeValue, PublishBatchRequestEntry};

use self::message::Message;
use super::{Delivery, Notifier};
use crate::aws::{AwsError, Backoff, classify};
use crate::model::Notification;

/// The most entries one `PublishBatch` call takes.
const BATCH_ENTRIES: usize = 10;
/// The most bytes one message, and one `PublishBatch` request, may carry.
const MAX_REQUEST_BYTES: usize = 256 * 1024;
/// The longest batch entry id SNS accepts.
const MAX_ENTRY_ID_CHARS: usize = 80;

/// Delivers notifications to one SNS topic.
#[derive(Debug, Clone)]
pub struct SnsNotifier {
    client: Client,
    topic_arn: String,
    backoff: Backoff,
}

impl SnsNotifier {
    /// A notifier publishing to `topic_arn` with `client`. Makes no call until the first
    /// delivery.
    pub fn new(client: Client, topic_arn: impl Into<String>) -> SnsNotifier {
        SnsNotifier {
            client,
            topic_arn: topic_arn.into(),
            backoff: Backoff::STANDARD,
        }
    }

    /// The topic it publishes to.
    pub fn topic_arn(&self) -> &str {
        &self.topic_arn
    }

    /// Publishes one batch, retrying its refused entries, and records the outcome of each.
    async fn publish_batch(&self, batch: Vec<Message>, delivery: &mut Delivery) {
        // Each message still to send, with why its last attempt failed.
        let mut pending: Vec<(Message, String)> = batch
            .into_iter()
            .map(|message| (message, String::new()))
            .collect();
        let mut retry = 0;
        loop {
            pending = self.attempt(pending, delivery).await;
            if pending.is_empty() {
                return;
            }
            if !self.backoff.sleep_before(retry).await {
                for (message, reason) in pending {
                    let reason = format!("{reason}; gave up after {retry} retries");
                    delivery.failed.push((message.notification_id, reason));
                }
                return;
            }
            retry += 1;
        }
    }

    /// One `PublishBatch` call. Records what SNS accepted and what it refused for good in
    /// `delivery`; returns what is worth another attempt, with the reason it failed.
    async fn attempt(
        &self,
        pending: Vec<(Message, String)>,
        delivery: &mut Delivery,
    ) -> Vec<(Message, String)> {
        let entries = match entries(pending.iter().map(|(message, _)| message)) {
            Ok(entries) => entries,
            Err(reason) => {
                fail_all(pending, &reason, delivery);
                return Vec::new();
            }
        };
        let result = self
            .client
            .publish_batch()
            .topic_arn(&self.topic_arn)
            .set_publish_batch_request_entries(Some(entries))
            .send()
            .await;
        let output = match result {
            Ok(output) => output,
            Err(error) => {
                // A refused call is about the topic (it does not exist, or the caller may not
                // publish to it), and SNS's message does not say which one.
                let failure = classify("PublishBatch", &error);
                let reason = format!("{failure} (topic {})", self.topic_arn);
                if failure.is_retryable() {
                    return pending
                        .into_iter()
                        .map(|(m, _)| (m, reason.clone()))
                        .collect();
                }
                fail_all(pending, &reason, delivery);
                return Vec::new();
            }
        };

        let mut again = Vec::new();
        for (index, (message, _)) in pending.into_iter().enumerate() {
            let id = entry_id(index, &message.notification_id);
            if output
                .successful()
                .iter()
                .any(|entry| entry.id() == Some(id.as_str()))
            {
                delivery.accepted.push(message.notification_id);
                continue;
            }
            let failure = entry_failure(output.failed().iter().find(|entry| entry.id() == id));
            if failure.is_retryable() {
                again.push((message, failure.to_string()));
            } else {
                delivery
                    .failed
                    .push((message.notification_id, failure.to_string()));
            }
        }
        again
    }
}

#[async_trait]
impl Notifier for SnsNotifier {
    async fn deliver(&self, notifications: &[Notification]) -> Delivery {
        let mut delivery = Delivery::default();
        let mut messages = Vec::with_capacity(notifications.len());
        let mut unsent_labels = BTreeMap::new();
        for notification in notifications {
            let message = Message::new(notification);
            if let Ok(message) = &message
                && !message.unsent_labels.is_empty()
            {
                unsent_labels.insert(notification.rule.id.as_str(), message.unsent_labels.clone());
            }
            match message {
                Ok(message) if message.size() <= MAX_REQUEST_BYTES => messages.push(message),
                Ok(message) => delivery.failed.push((
                    notification.id.clone(),
                    format!(
                        "the message is {} bytes, and SNS takes at most {MAX_REQUEST_BYTES}",
                        message.size()
                    ),
                )),
                Err(error) => delivery
                    .failed
                    .push((notification.id.clone(), format!("cannot encode: {error}"))),
            }
        }

        // A subscription filtering on a label that is not sent never matches, silently: that
        // is worth a warning, once per delivery rather than once per notification.
        if !unsent_labels.is_empty() {
            tracing::warn!(
                labels = ?unsent_labels,
                "labels not sent as SNS message attributes, so filter policies cannot match \
                 them: SNS refuses empty values, and a message carries 10 attributes at most, \
                 4 of them kpiwatch's own"
            );
        }
        for batch in batches(messages) {
            self.publish_batch(batch, &mut delivery).await;
        }
        tracing::info!(
            topic = %self.topic_arn,
            accepted = delivery.accepted.len(),
            failed = delivery.failed.len(),
            "published to SNS"
        );
        delivery
    }
}

/// Groups messages into batches of at most 10 entries and 256 KiB, in order.
fn batches(messages: Vec<Message>) -> Vec<Vec<Message>> {
    let mut batches: Vec<Vec<Message>> = Vec::new();
    let mut batch_bytes = 0;
    for message in messages {
        let size = message.size();
        match batches.last_mut() {
            Some(batch)
                if batch.len() < BATCH_ENTRIES && batch_bytes + size <= MAX_REQUEST_BYTES =>
            {
                batch_bytes += size;
                batch.push(message);
            }
            _ => {
                batch_bytes = size;
                batches.push(vec![message]);
            }
        }
    }
    batches
}

/// The batch entry id of the message at `index` in its batch: the index, which makes it
/// unique in the batch, then the notification id with every character SNS refuses (it takes
/// letters, digits, `-` and `_`) replaced by `_`, cut to 80 characters. The notification id
/// in it is for whoever reads a failure in the logs.
fn entry_id(index: usize, notification_id: &str) -> String {
    let readable: String = notification_id
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '-' {
                c
            } else {
                '_'
            }
        })
        .collect();
    let mut id = format!("{index}-{readable}");
    id.truncate(MAX_ENTRY_ID_CHARS);
    id
}

fn entries<'a>(
    messages: impl Iterator<Item = &'a Message>,
) -> Result<Vec<PublishBatchRequestEntry>, String> {
    messages
        .enumerate()
        .map(|(index, message)| {
            let mut entry = PublishBatchRequestEntry::builder()
                .id(entry_id(index, &message.notification_id))
                .message(&message.body)
                .message_structure("json")
                .subject(&message.subject);
            for (name, value) in &message.attributes {
                let attribute = MessageAttributeValue::builder()
                    .data_type("String")
                    .string_value(value)
                    .build()
                    .map_err(|error| format!("cannot build attribute `{name}`: {error}"))?;
                entry = entry.message_attributes(name, attribute);
            }
            entry
                .build()
                .map_err(|error| format!("cannot build the entry: {error}"))
        })
        .collect()
}

/// What a refused entry means: SNS's own fault passes; the sender's passes only when it is
/// throttling. An entry with no result at all is tried again.
fn entry_failure(refusal: Option<&BatchResultErrorEntry>) -> AwsError {
    match refusal {
        Some(entry) if !entry.sender_fault() => AwsError::Retryable {
            operation: "PublishBatch",
            message: format!("{}: {}", entry.code(), entry.message().unwrap_or("refused")),
        },
        Some(entry) => AwsError::from_code(
            "PublishBatch",
            entry.code(),
            entry.message().unwrap_or("refused"),
        ),
        None => AwsError::Retryable {
            operation: "PublishBatch",
            message: "no result for this entry".into(),
        },
    }
}

fn fail_all(pending: Vec<(Message, String)>, reason: &str, delivery: &mut Delivery) {
    for (message, _) in pending {
        delivery
            .failed
            .push((message.notification_id, reason.to_string()));
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{Level, NotificationKind};
    use crate::notify::testing::notification;

    fn message(id: &str, body_bytes: usize) -> Message {
        let mut message = Message::new(&notification(
            NotificationKind::Firing,
            Level::Critical,
            Some(6.2),
        ))
        .unwrap();
        message.notification_id = id.to_string();
        message.body = "x".repeat(body_bytes);
        message
    }

    #[test]
    fn batches_hold_at_most_ten_entries_and_256_kib() {
        let small: Vec<Message> = (0..23).map(|i| message(&i.to_string(), 100)).collect();
        let sizes: Vec<usize> = batches(small).iter().map(Vec::len).collect();
        assert_eq!(sizes, vec![10, 10, 3]);

        let large: Vec<Message> = (0..5).map(|i| message(&i.to_string(), 100_000)).collect();
        let sizes: Vec<usize> = batches(large).iter().map(Vec::len).collect();
        assert_eq!(sizes, vec![2, 2, 1]);
    }

    #[test]
    fn refusals_are_retried_when_sns_is_at_fault_or_throttling() {
        let refusal = |code: &str, sender_fault: bool| {
            BatchResultErrorEntry::builder()
                .id("0-x")
                .code(code)
                .sender_fault(sender_fault)
                .build()
                .unwrap()
        };
        assert!(entry_failure(Some(&refusal("InternalError", false))).is_retryable());
        assert!(entry_failure(Some(&refusal("Throttled", true))).is_retryable());
        assert!(!entry_failure(Some(&refusal("InvalidParameter", true))).is_retryable());
        assert!(entry_failure(None).is_retryable());
    }

    #[test]
    fn entry_ids_are_unique_in_a_batch_and_use_only_what_sns_allows() {
        let id = entry_id(3, "churn-rate/firing/2026-12-03T10:05:00Z");
        assert_eq!(id, "3-churn-rate_firing_2026-12-03T10_05_00Z");

        let long = entry_id(9, &"é".repeat(200));
        assert_eq!(long.chars().count(), MAX_ENTRY_ID_CHARS);
        assert!(
            long.chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
        );
        assert_ne!(entry_id(0, "same"), entry_id(1, "same"));
    }
}
