//! Publishing to an SNS topic, which fans out to email, Slack through AWS Chatbot, queues and
//! functions. How one notification becomes one message is in [`message`].
//!
//! Notifications go out with `PublishBatch`, up to 10 a call and 256 KiB a request, which
//! SNS accepts or refuses entry by entry. Entries refused for a reason that passes
//! (throttling, an internal error) are sent again with [`Backoff::STANDARD`]; those still
//! refused after that, or refused for good, are reported failed and stay in the outbox for
//! the next run.

mod message;

use std::collections::HashMap;

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
        let mut pending = batch;
        let mut reasons: HashMap<String, String> = HashMap::new();
        let mut retry = 0;
        loop {
            let entries = match entries(&pending) {
                Ok(entries) => entries,
                Err(reason) => {
                    fail_all(&pending, &reason, delivery);
                    return;
                }
            };
            let result = self
                .client
                .publish_batch()
                .topic_arn(&self.topic_arn)
                .set_publish_batch_request_entries(Some(entries))
                .send()
                .await;

            match result {
                Ok(output) => {
                    let accepted: Vec<&str> =
                        output.successful().iter().filter_map(|e| e.id()).collect();
                    let mut still_pending = Vec::new();
                    for (index, message) in pending.into_iter().enumerate() {
                        let entry_id = entry_id(index, &message.notification_id);
                        if accepted.contains(&entry_id.as_str()) {
                            delivery.accepted.push(message.notification_id);
                            continue;
                        }
                        let refusal = output.failed().iter().find(|e| e.id() == entry_id);
                        let failure = match refusal {
                            // SNS's own fault: it passes.
                            Some(entry) if !entry.sender_fault() => AwsError::Retryable {
                                operation: "PublishBatch",
                                message: refusal_text(entry),
                            },
                            // Ours: only throttling passes.
                            Some(entry) => AwsError::from_code(
                                "PublishBatch",
                                entry.code(),
                                entry.message().unwrap_or("refused"),
                            ),
                            None => AwsError::Retryable {
                                operation: "PublishBatch",
                                message: "no result for this entry".into(),
                            },
                        };
                        if failure.is_retryable() {
                            reasons.insert(message.notification_id.clone(), failure.to_string());
                            still_pending.push(message);
                        } else {
                            delivery
                                .failed
                                .push((message.notification_id, failure.to_string()));
                        }
                    }
                    pending = still_pending;
                }
                Err(error) => {
                    let failure = classify("PublishBatch", &error);
                    if !failure.is_retryable() {
                        fail_all(&pending, &failure.to_string(), delivery);
                        return;
                    }
                    for message in &pending {
                        reasons.insert(message.notification_id.clone(), failure.to_string());
                    }
                }
            }

            if pending.is_empty() {
                return;
            }
            if !self.backoff.sleep_before(retry).await {
                for message in pending {
                    let reason = reasons.remove(&message.notification_id).unwrap_or_default();
                    let reason = format!("{reason}; gave up after {retry} retries");
                    delivery.failed.push((message.notification_id, reason));
                }
                return;
            }
            retry += 1;
        }
    }
}

#[async_trait]
impl Notifier for SnsNotifier {
    async fn deliver(&self, notifications: &[Notification]) -> Delivery {
        let mut delivery = Delivery::default();
        let mut messages = Vec::with_capacity(notifications.len());
        for notification in notifications {
            match Message::new(notification) {
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

fn entries(messages: &[Message]) -> Result<Vec<PublishBatchRequestEntry>, String> {
    messages
        .iter()
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

fn refusal_text(entry: &BatchResultErrorEntry) -> String {
    format!("{}: {}", entry.code(), entry.message().unwrap_or("refused"))
}

fn fail_all(messages: &[Message], reason: &str, delivery: &mut Delivery) {
    for message in messages {
        delivery
            .failed
            .push((message.notification_id.clone(), reason.to_string()));
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
