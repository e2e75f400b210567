//! One notification as one SNS message: a body per protocol, a subject and the attributes
//! subscriptions filter on.
//!
//! The message is published with `MessageStructure=json`, so each subscription receives the
//! key named after its protocol, or `default`:
//!
//! | key       | who reads it                                         | content              |
//! |-----------|------------------------------------------------------|----------------------|
//! | `default` | queues, functions, `http` webhooks, `email-json`...  | the JSON document    |
//! | `email`   | email                                                | plain text, [`email`]|
//! | `https`   | AWS Chatbot (Slack, Teams)                           | [`chatbot`] format   |
//! | `sms`     | text messages                                        | the subject line     |
//!
//! Queues, functions and `http` webhooks read `default`, as every protocol without a key of
//! its own does, rather than a copy of it under `sqs`, `lambda` and `http`: each copy would
//! count again against SNS's 256 KiB, and the document is most of the message.
//!
//! A message still over that limit has its `message` and `action` texts, the only ones
//! without a bound, cut to the length that fits, each ending in [`CUT_MARK`]. The outbox
//! keeps them whole; the cut is only what SNS is given, since a message SNS refuses would
//! be refused on every run and reach no one.
//!
//! An `https` webhook of your own therefore receives the Chatbot format; subscribe it over
//! `http`, or read the `default` document from a queue, to get the JSON document.
//!
//! Attributes and `MessageStructure=json`: SNS evaluates subscription filter policies on
//! the attributes of every publish, whatever the structure, so the filters work. The SNS
//! developer guide says attributes are *delivered* only with a string structure, so a
//! subscriber must not count on finding them beside the body; everything they carry is
//! also in the JSON document. (moto delivers them anyway; the end-to-end test shows both.)
//!
//! [`email`]: crate::notify::email
//! [`chatbot`]: crate::notify::chatbot

use std::collections::BTreeMap;

use serde_json::json;

use super::MAX_REQUEST_BYTES;
use crate::model::{Level, Notification};
use crate::notify::{chatbot, email};

/// The most message attributes a message carries. SNS drops a message with more than 10
/// attributes on its way to an SQS subscription with raw delivery, so 10 is the limit for
/// every subscriber to get it.
pub(super) const MAX_ATTRIBUTES: usize = 10;

/// The attribute name of a label is this prefix and the label's name.
pub(super) const LABEL_PREFIX: &str = "label.";

/// The message as SNS takes it, before it gets a batch entry id.
#[derive(Debug, Clone, PartialEq)]
pub(super) struct Message {
    /// The notification's id.
    pub(super) notification_id: String,
    /// The JSON object of bodies by protocol.
    pub(super) body: String,
    pub(super) subject: String,
    /// Attribute names and values, all of SNS data type `String`.
    pub(super) attributes: BTreeMap<String, String>,
    /// The labels not among the attributes, so that no filter policy can match them.
    pub(super) unsent_labels: Vec<String>,
}

impl Message {
    /// The message for a notification, its `message` and `action` cut if that is what it
    /// takes to fit in [`MAX_REQUEST_BYTES`]. A message that does not fit even then is
    /// returned whole, for the caller to report.
    pub(super) fn new(notification: &Notification) -> Result<Message, String> {
        let whole = Message::encode(notification)?;
        if whole.size() <= MAX_REQUEST_BYTES {
            return Ok(whole);
        }
        let longest = notification
            .message
            .chars()
            .count()
            .max(notification.action.chars().count());
        if Message::encode(&with_texts_cut(notification, 0))?.size() > MAX_REQUEST_BYTES {
            return Ok(whole);
        }
        // The most characters each text may keep: `fits` does, `too_many` does not.
        let (mut fits, mut too_many) = (0, longest);
        while too_many - fits > 1 {
            let middle = fits + (too_many - fits) / 2;
            if Message::encode(&with_texts_cut(notification, middle))?.size() <= MAX_REQUEST_BYTES {
                fits = middle;
            } else {
                too_many = middle;
            }
        }
        let cut = Message::encode(&with_texts_cut(notification, fits))?;
        tracing::warn!(
            notification = %notification.id,
            whole_bytes = whole.size(),
            kept_chars = fits,
            "message and action cut to fit in SNS's 256 KiB"
        );
        Ok(cut)
    }

    fn encode(notification: &Notification) -> Result<Message, String> {
        let document = serde_json::to_string(notification).map_err(|e| e.to_string())?;
        let chatbot = chatbot::custom_notification(notification).to_string();
        let subject = email::subject(notification);
        let body = json!({
            "default": document,
            "email": email::body(notification),
            "https": chatbot,
            "sms": subject,
        });
        Ok(Message {
            notification_id: notification.id.clone(),
            body: body.to_string(),
            subject,
            attributes: attributes(notification),
            unsent_labels: unsent_labels(notification),
        })
    }

    /// The size SNS counts against its 256 KiB limit: body, subject and attributes.
    pub(super) fn size(&self) -> usize {
        let attributes: usize = self
            .attributes
            .iter()
            .map(|(name, value)| name.len() + value.len() + "String".len())
            .sum();
        self.body.len() + self.subject.len() + attributes
    }
}

/// What ends a text cut to fit.
pub(super) const CUT_MARK: &str = " … [cut to fit SNS's size limit]";

/// `notification` with its `message` and `action` each cut to `kept_chars` characters and
/// [`CUT_MARK`], when longer.
fn with_texts_cut(notification: &Notification, kept_chars: usize) -> Notification {
    let cut = |text: &str| match text.char_indices().nth(kept_chars) {
        Some((end, _)) => format!("{}{CUT_MARK}", &text[..end]),
        None => text.to_string(),
    };
    let mut cut_one = notification.clone();
    cut_one.message = cut(&notification.message);
    cut_one.action = cut(&notification.action);
    cut_one
}

/// The attributes subscriptions filter on.
///
/// - `severity`: the notification's level, `ok` for a resolve;
/// - `kind`: firing, resolved, reminder, and so on;
/// - `rule`: the rule id;
/// - `incident_severity`: the highest level of the incident the notification belongs to, so
///   that `{"incident_severity": ["critical"]}` selects critical alerts *and* the resolves
///   and downgrades that end them, which a filter on `severity` would miss;
/// - `label.<name>`: each label whose name and value SNS accepts, up to 10 attributes in
///   all, in label name order. The rest are left out: [`unsent_labels`].
pub(super) fn attributes(notification: &Notification) -> BTreeMap<String, String> {
    let mut attributes = BTreeMap::from([
        (
            "severity".to_string(),
            notification.level.as_str().to_string(),
        ),
        ("kind".to_string(), notification.kind.as_str().to_string()),
        ("rule".to_string(), notification.rule.id.clone()),
        (
            "incident_severity".to_string(),
            incident_severity(notification).as_str().to_string(),
        ),
    ]);

    for (name, value) in &notification.labels {
        let attribute = format!("{LABEL_PREFIX}{name}");
        if attributes.len() < MAX_ATTRIBUTES
            && is_valid_attribute_name(&attribute)
            && is_valid_attribute_value(value)
        {
            attributes.insert(attribute, value.clone());
        }
    }
    attributes
}

/// The labels [`attributes`] leaves out: those SNS would refuse (an empty value), and those
/// past the limit of 10 attributes.
pub(super) fn unsent_labels(notification: &Notification) -> Vec<String> {
    let sent = attributes(notification);
    notification
        .labels
        .keys()
        .filter(|name| !sent.contains_key(&format!("{LABEL_PREFIX}{name}")))
        .cloned()
        .collect()
}

/// The highest level of the incident: the peak the engine records in the notification's
/// `incident_level`, so that the resolve of an alert that went critical, was downgraded to
/// warning and then resolved still says critical. The level now and the one notified
/// before count too, for notifications without `incident_level`: those that belong to no
/// incident, and those an older version left in the outbox.
fn incident_severity(notification: &Notification) -> Level {
    let this_one = notification
        .level
        .max(notification.previous_level.unwrap_or(Level::Ok));
    notification
        .incident_level
        .map_or(this_one, |incident| incident.max(this_one))
}

/// SNS attribute names: up to 256 characters of letters, digits, `_`, `-` and `.`, without
/// a leading, trailing or doubled `.`, and not starting with `AWS.` or `Amazon.`.
fn is_valid_attribute_name(name: &str) -> bool {
    let lowered = name.to_ascii_lowercase();
    !name.is_empty()
        && name.len() <= 256
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '-' | '.'))
        && !name.starts_with('.')
        && !name.ends_with('.')
        && !name.contains("..")
        && !lowered.starts_with("aws.")
        && !lowered.starts_with("amazon.")
}

/// SNS attribute values used for filtering must be non-empty and valid in a JSON string;
/// control characters are refused.
fn is_valid_attribute_value(value: &str) -> bool {
    !value.is_empty() && !value.chars().any(char::is_control)
}

#[cfg(test)]
mod tests {
    use serde_json::Value;

    use super::*;
    use crate::model::NotificationKind;
    use crate::notify::testing::notification;

    #[test]
    fn each_protocol_gets_its_own_body() {
        let churn = notification(NotificationKind::Firing, Level::Critical, Some(6.2));
        let message = Message::new(&churn).unwrap();
        let bodies: Value = serde_json::from_str(&message.body).unwrap();

        let document = serde_json::to_string(&churn).unwrap();
        assert_eq!(bodies["default"], document.as_str());
        // Queues, functions and webhooks read `default`: no copy of it counts twice.
        for key in ["sqs", "lambda", "http"] {
            assert!(bodies.get(key).is_none(), "{key}");
        }
        assert_eq!(bodies["email"], email::body(&churn).as_str());
        let chatbot: Value = serde_json::from_str(bodies["https"].as_str().unwrap()).unwrap();
        assert_eq!(chatbot, chatbot::custom_notification(&churn));
        assert_eq!(message.subject, "[CRITICAL] Churn rate 6.2% > 5%");
        assert_eq!(bodies["sms"], message.subject.as_str());
    }

    #[test]
    fn attributes_carry_severity_kind_rule_incident_and_labels() {
        let churn = notification(NotificationKind::Firing, Level::Critical, Some(6.2));
        assert_eq!(
            attributes(&churn),
            BTreeMap::from([
                ("severity".into(), "critical".into()),
                ("kind".into(), "firing".into()),
                ("rule".into(), "churn-rate".into()),
                ("incident_severity".into(), "critical".into()),
                ("label.domain".into(), "retention".into()),
                ("label.team".into(), "growth".into()),
            ])
        );
    }

    #[test]
    fn a_resolve_is_ok_but_belongs_to_the_incident_it_ends() {
        let resolved = notification(NotificationKind::Resolved, Level::Ok, Some(3.0));
        let attributes = attributes(&resolved);
        assert_eq!(attributes["severity"], "ok");
        assert_eq!(attributes["incident_severity"], "critical");
    }

    #[test]
    fn a_message_over_256_kib_is_cut_to_fit_keeping_all_else() {
        let mut churn = notification(NotificationKind::Firing, Level::Critical, Some(6.2));
        churn.message = "Churn é\"🔥 ".repeat(40_000);
        churn.action = "Call them. ".repeat(1_000);
        assert!(Message::encode(&churn).unwrap().size() > MAX_REQUEST_BYTES);

        let message = Message::new(&churn).unwrap();
        assert!(message.size() <= MAX_REQUEST_BYTES, "{}", message.size());
        // Cut no more than it must: one more character would not fit.
        let bodies: Value = serde_json::from_str(&message.body).unwrap();
        let sent: Notification = serde_json::from_str(bodies["default"].as_str().unwrap()).unwrap();
        assert!(sent.message.ends_with(CUT_MARK));
        let kept = sent.message.chars().count() - CUT_MARK.chars().count();
        let one_more = Message::encode(&with_texts_cut(&churn, kept + 1)).unwrap();
        assert!(one_more.size() > MAX_REQUEST_BYTES);
        assert!(
            churn
                .message
                .starts_with(sent.message.trim_end_matches(CUT_MARK))
        );
        // The action is shorter than what the cut keeps, so it is whole.
        assert_eq!(sent.action, churn.action);
        assert_eq!(message.subject, "[CRITICAL] Churn rate 6.2% > 5%");
        assert_eq!(message.attributes, attributes(&churn));
    }

    #[test]
    fn a_message_that_fits_is_sent_whole() {
        let mut churn = notification(NotificationKind::Firing, Level::Critical, Some(6.2));
        churn.message = "x".repeat(60_000);
        let message = Message::new(&churn).unwrap();
        assert_eq!(message, Message::encode(&churn).unwrap());
    }

    #[test]
    fn labels_sns_would_refuse_or_beyond_ten_attributes_are_skipped() {
        let mut churn = notification(NotificationKind::Firing, Level::Critical, Some(6.2));
        churn.labels = (0..10)
            .map(|i| (format!("l{i}"), "v".to_string()))
            .collect();
        churn.labels.insert("has space".into(), "v".into());
        churn.labels.insert("empty".into(), String::new());
        churn.labels.insert("a..b".into(), "v".into());

        let attributes = attributes(&churn);
        assert_eq!(
            unsent_labels(&churn),
            ["a..b", "empty", "has space", "l6", "l7", "l8", "l9"]
        );
        assert_eq!(attributes.len(), MAX_ATTRIBUTES);
        assert!(attributes.contains_key("label.l0"));
        assert!(
            !attributes
                .keys()
                .any(|name| name.contains(' ') || name.contains(".."))
        );
        assert!(!attributes.contains_key("label.empty"));
    }
}
