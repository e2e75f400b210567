//! The invocation event: where the run's evaluation time T comes from.
//!
//! Two shapes are accepted.
//!
//! EventBridge Scheduler, with the input the SAM template gives the schedule, built from
//! Scheduler's context attributes:
//!
//! ```json
//! {"scheduled_time": "<aws.scheduler.scheduled-time>",
//!  "execution_id": "<aws.scheduler.execution-id>"}
//! ```
//!
//! which reaches the function as
//! `{"scheduled_time": "2026-12-03T10:05:00Z", "execution_id": "c5b4b2b5-..."}`.
//! `execution_id` is optional and only logged.
//!
//! A classic EventBridge scheduled rule sends its own event, whose `time` is the scheduled
//! time: `{"detail-type": "Scheduled Event", "source": "aws.events", "time": "...", ...}`.
//!
//! T is always the scheduled time, never the clock: a retried or duplicated invocation
//! evaluates the same T, and the store's guard turns the second one into a no-op. An event
//! with no time is refused, naming what it holds, rather than evaluated at "now".

use chrono::{DateTime, SecondsFormat, Utc};
use serde_json::Value;
use thiserror::Error;

/// What the function takes from its event.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Invocation {
    /// The evaluation time T.
    pub at: DateTime<Utc>,
    /// The run id, derived from T alone so that retries and duplicates share it.
    pub run_id: String,
    /// The Scheduler execution id, when the event carries one.
    pub execution_id: Option<String>,
}

/// Why an event cannot be run.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum EventError {
    /// Neither shape: the message lists the keys the event does have.
    #[error(
        "the event has no evaluation time: expected EventBridge Scheduler input \
         {{\"scheduled_time\": \"<aws.scheduler.scheduled-time>\"}} or a scheduled event \
         with \"detail-type\": \"Scheduled Event\" and \"time\"; got {0}"
    )]
    NoTime(String),
    /// The time field is there but is not an RFC 3339 time.
    #[error("the event's `{field}` is not an RFC 3339 time: {value}")]
    BadTime {
        /// `scheduled_time` or `time`.
        field: &'static str,
        /// The value as the event has it.
        value: String,
    },
}

impl Invocation {
    /// Reads an event.
    pub fn from_event(event: &Value) -> Result<Invocation, EventError> {
        let field = if event.get("scheduled_time").is_some() {
            "scheduled_time"
        } else if event.get("detail-type").and_then(Value::as_str) == Some("Scheduled Event")
            && event.get("time").is_some()
        {
            "time"
        } else {
            return Err(EventError::NoTime(describe(event)));
        };

        let value = &event[field];
        let at = value
            .as_str()
            .and_then(|text| DateTime::parse_from_rfc3339(text).ok())
            .map(|at| at.with_timezone(&Utc))
            .ok_or_else(|| EventError::BadTime {
                field,
                value: value.to_string(),
            })?;
        let execution_id = event
            .get("execution_id")
            .and_then(Value::as_str)
            .map(str::to_string);
        Ok(Invocation {
            at,
            run_id: run_id(at),
            execution_id,
        })
    }
}

/// `run-` and T in compact RFC 3339, such as `run-20261203T100500Z`.
fn run_id(at: DateTime<Utc>) -> String {
    let compact: String = at
        .to_rfc3339_opts(SecondsFormat::AutoSi, true)
        .chars()
        .filter(|c| !matches!(c, '-' | ':'))
        .collect();
    format!("run-{compact}")
}

/// What an unexpected event is, for the error: its keys, not its values, which are the
/// caller's data.
fn describe(event: &Value) -> String {
    match event {
        Value::Object(map) if map.is_empty() => "an empty object".to_string(),
        Value::Object(map) => {
            let keys: Vec<&str> = map.keys().map(String::as_str).collect();
            format!("an object with keys {}", keys.join(", "))
        }
        Value::Null => "null".to_string(),
        Value::Array(_) => "an array".to_string(),
        Value::String(_) => "a string".to_string(),
        Value::Number(_) => "a number".to_string(),
        Value::Bool(_) => "a boolean".to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fixture(name: &str) -> Value {
        let path = format!(
            "{}/tests/fixtures/events/{name}",
            env!("CARGO_MANIFEST_DIR")
        );
        serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap()
    }

    #[test]
    fn scheduler_input_gives_its_scheduled_time() {
        let invocation = Invocation::from_event(&fixture("scheduler.json")).unwrap();
        assert_eq!(
            invocation.at,
            "2026-12-03T10:05:00Z".parse::<DateTime<Utc>>().unwrap()
        );
        assert_eq!(invocation.run_id, "run-20261203T100500Z");
        assert_eq!(
            invocation.execution_id.as_deref(),
            Some("c5b4b2b5-9e55-4b5f-9a38-4f3c1a5d7e21")
        );
    }

    #[test]
    fn a_classic_scheduled_event_gives_its_time() {
        let invocation = Invocation::from_event(&fixture("scheduled-event.json")).unwrap();
        assert_eq!(
            invocation.at,
            "2026-12-03T10:05:00Z".parse::<DateTime<Utc>>().unwrap()
        );
        assert_eq!(invocation.run_id, "run-20261203T100500Z");
        assert_eq!(invocation.execution_id, None);
    }

    #[test]
    fn events_without_a_time_are_refused_naming_what_they_hold() {
        let error = Invocation::from_event(&serde_json::json!({"hello": "world"})).unwrap_err();
        assert_eq!(
            error,
            EventError::NoTime("an object with keys hello".into())
        );
        assert!(error.to_string().contains("scheduled_time"));

        let empty = Invocation::from_event(&serde_json::json!({})).unwrap_err();
        assert_eq!(empty, EventError::NoTime("an empty object".into()));

        let other = serde_json::json!({"detail-type": "EC2 Instance State-change", "time": "x"});
        assert!(matches!(
            Invocation::from_event(&other),
            Err(EventError::NoTime(_))
        ));
    }

    #[test]
    fn a_time_that_is_not_rfc_3339_is_refused_with_its_value() {
        let event = serde_json::json!({"scheduled_time": "yesterday"});
        assert_eq!(
            Invocation::from_event(&event).unwrap_err(),
            EventError::BadTime {
                field: "scheduled_time",
                value: "\"yesterday\"".into()
            }
        );
    }
}
