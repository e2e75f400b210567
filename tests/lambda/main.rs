//! The Lambda function end to end: the real `bootstrap` binary, driven through a Runtime API
//! stub served by the test (it stands in for the Lambda service, which cannot run here),
//! against DynamoDB, SNS and SQS in moto server through the real SDK.

mod concurrency;
mod end_to_end;
mod outbox;
mod runtime_api;
mod secrets;
mod sns_gate;
mod stack;
#[path = "../support/mod.rs"]
mod support;

use std::collections::BTreeMap;

use aws_sdk_sqs::types::Message;
use kpiwatch::model::Notification;
use serde_json::Value;

/// What a subscriber received, in the terms the tests compare.
#[derive(Debug, Clone, PartialEq)]
pub struct Received {
    /// The SNS subject, when the envelope carries it (raw delivery drops it).
    pub subject: Option<String>,
    /// The notification document exactly as delivered, to compare field by field.
    pub json: Value,
    pub document: Notification,
    pub attributes: BTreeMap<String, String>,
}

impl Received {
    /// A message delivered without raw delivery: the SNS envelope around the `sqs` body.
    pub fn from_envelope(message: &Message) -> Received {
        let envelope: Value = serde_json::from_str(message.body().unwrap()).unwrap();
        let attributes = envelope["MessageAttributes"]
            .as_object()
            .map(|map| {
                map.iter()
                    .map(|(name, value)| (name.clone(), value["Value"].as_str().unwrap().into()))
                    .collect()
            })
            .unwrap_or_default();
        let body = envelope["Message"].as_str().unwrap();
        Received {
            subject: envelope["Subject"].as_str().map(str::to_string),
            json: serde_json::from_str(body).unwrap(),
            document: serde_json::from_str(body).unwrap(),
            attributes,
        }
    }

    /// A message delivered raw: the `sqs` body itself, attributes as SQS attributes.
    pub fn from_raw(message: &Message) -> Received {
        let attributes = message
            .message_attributes()
            .map(|map| {
                map.iter()
                    .map(|(name, value)| (name.clone(), value.string_value().unwrap().into()))
                    .collect()
            })
            .unwrap_or_default();
        let body = message.body().unwrap();
        Received {
            subject: None,
            json: serde_json::from_str(body).unwrap(),
            document: serde_json::from_str(body).unwrap(),
            attributes,
        }
    }
}

/// Messages sorted by notification id, so that tests do not depend on delivery order.
pub fn sorted(mut received: Vec<Received>) -> Vec<Received> {
    received.sort_by(|a, b| a.document.id.cmp(&b.document.id));
    received
}

/// The notification ids of messages, in their order.
pub fn ids(received: &[Received]) -> Vec<&str> {
    received.iter().map(|r| r.document.id.as_str()).collect()
}

/// The attributes kpiwatch publishes a notification with.
pub fn attributes(pairs: &[(&str, &str)]) -> BTreeMap<String, String> {
    pairs
        .iter()
        .map(|(name, value)| (name.to_string(), value.to_string()))
        .collect()
}
