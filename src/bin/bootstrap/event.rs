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
//! with no time is refused, naming what it holds, rather than evaluated at "now"; so is one
//! whose time has a fraction of a second, which no schedule gives.
//!
//! The clock only bounds T from above. The store refuses to evaluate any T at or before
//! the last one evaluated, so a T far in the future, from a hand-written test event or a
//! mistyped replay, would turn every scheduled run until then into a silent no-op. A T
//! more than [`MAX_AHEAD`] past the clock is refused instead. A T in the past is taken
//! however old it is: at or before the last evaluation it only delivers the outbox, which
//! is what replaying an event from the failed-runs queue is for, and after it, it is a run
//! that was missed and does no harm.

use std::time::Duration;

use chrono::{DateTime, SecondsFormat, Timelike, Utc};
use serde_json::Value;
use thiserror::Error;

/// How far past the function's clock T may lie. Scheduler invokes at or after the
/// scheduled time, so only clock skew puts T ahead, and that is well under a second; the
/// margin is for clocks no one has checked.
pub const MAX_AHEAD: Duration = Duration::from_secs(5 * 60);

/// What Scheduler puts in place of `<aws.scheduler.scheduled-time>` when it invokes; the
/// text itself means that nobody did.
const SCHEDULED_TIME_PLACEHOLDER: &str = "<aws.scheduler.scheduled-time>";

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
    /// The time field is there but is not an RFC 3339 time with an offset.
    #[error(
        "the event's `{field}` is not an RFC 3339 time with a UTC offset \
         (such as \"2026-12-03T10:05:00Z\"): {value}"
    )]
    BadTime {
        /// `scheduled_time` or `time`.
        field: &'static str,
        /// The value as the event has it, in JSON.
        value: String,
    },
    /// T has a fraction of a second. Schedules never give one; notification ids and stored
    /// keys name T to the second, so two times within one second would share them.
    #[error(
        "the event's `{field}` {value} has a fraction of a second; T is in whole seconds, as \
         a schedule gives it (such as \"2026-12-03T10:05:00Z\")"
    )]
    FractionOfASecond {
        /// `scheduled_time` or `time`.
        field: &'static str,
        /// The value as the event has it, in JSON.
        value: String,
    },
    /// `scheduled_time` is the schedule's input as written in the template, not as
    /// Scheduler sends it.
    #[error(
        "the event's `scheduled_time` is still the placeholder \"{SCHEDULED_TIME_PLACEHOLDER}\", \
         which EventBridge Scheduler replaces when it invokes; to run by hand, give a time \
         such as \"2026-12-03T10:05:00Z\""
    )]
    Placeholder,
    /// T is further ahead of the clock than a schedule could put it.
    #[error(
        "the event's time {at} is {ahead} ahead of the function's clock ({now}); a scheduled \
         time is never more than {max} ahead, and evaluating it would make every run until \
         then a no-op",
        at = .at.to_rfc3339_opts(SecondsFormat::AutoSi, true),
        now = .now.to_rfc3339_opts(SecondsFormat::Secs, true),
        ahead = humantime::format_duration(*.ahead),
        max = humantime::format_duration(MAX_AHEAD),
    )]
    InTheFuture {
        /// The event's time.
        at: DateTime<Utc>,
        /// The clock when the event was read.
        now: DateTime<Utc>,
        /// How far T is ahead of `now`, to the second.
        ahead: Duration,
    },
}

impl Invocation {
    /// Reads an event received at `now`, which only bounds how far ahead T may be.
    pub fn from_event(event: &Value, now: DateTime<Utc>) -> Result<Invocation, EventError> {
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
        if field == "scheduled_time" && value.as_str() == Some(SCHEDULED_TIME_PLACEHOLDER) {
            return Err(EventError::Placeholder);
        }
        let at = value
            .as_str()
            .and_then(|text| DateTime::parse_from_rfc3339(text).ok())
            .map(|at| at.with_timezone(&Utc))
            .ok_or_else(|| EventError::BadTime {
                field,
                value: value.to_string(),
            })?;
        if at.nanosecond() != 0 {
            return Err(EventError::FractionOfASecond {
                field,
                value: value.to_string(),
            });
        }
        let ahead = (at - now).to_std().unwrap_or_default();
        if ahead > MAX_AHEAD {
            return Err(EventError::InTheFuture {
                at,
                now,
                ahead: Duration::from_secs(ahead.as_secs()),
            });
        }
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
    use serde_json::json;

    use super::*;

    fn fixture(name: &str) -> Value {
        let path = format!(
            "{}/tests/fixtures/events/{name}",
            env!("CARGO_MANIFEST_DIR")
        );
        serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap()
    }

    fn time(text: &str) -> DateTime<Utc> {
        text.parse().unwrap()
    }

    /// The clock a second after the fixtures' scheduled time, as when Scheduler invokes.
    fn on_time() -> DateTime<Utc> {
        time("2026-12-03T10:05:01Z")
    }

    #[test]
    fn scheduler_input_gives_its_scheduled_time() {
        let invocation = Invocation::from_event(&fixture("scheduler.json"), on_time()).unwrap();
        assert_eq!(invocation.at, time("2026-12-03T10:05:00Z"));
        assert_eq!(invocation.run_id, "run-20261203T100500Z");
        assert_eq!(
            invocation.execution_id.as_deref(),
            Some("c5b4b2b5-9e55-4b5f-9a38-4f3c1a5d7e21")
        );
    }

    #[test]
    fn a_classic_scheduled_event_gives_its_time() {
        let event = fixture("scheduled-event.json");
        let invocation = Invocation::from_event(&event, on_time()).unwrap();
        assert_eq!(invocation.at, time("2026-12-03T10:05:00Z"));
        assert_eq!(invocation.run_id, "run-20261203T100500Z");
        assert_eq!(invocation.execution_id, None);
    }

    #[test]
    fn events_without_a_time_are_refused_naming_what_they_hold() {
        let error = Invocation::from_event(&json!({"hello": "world"}), on_time()).unwrap_err();
        assert_eq!(
            error,
            EventError::NoTime("an object with keys hello".into())
        );
        assert!(error.to_string().contains("scheduled_time"));

        let empty = Invocation::from_event(&json!({}), on_time()).unwrap_err();
        assert_eq!(empty, EventError::NoTime("an empty object".into()));

        let other = json!({"detail-type": "EC2 Instance State-change", "time": "x"});
        assert!(matches!(
            Invocation::from_event(&other, on_time()),
            Err(EventError::NoTime(_))
        ));
    }

    #[test]
    fn payloads_that_are_not_objects_are_refused_by_their_type() {
        for (payload, described) in [
            (json!(1764756300), "a number"),
            (json!(null), "null"),
            (json!("2026-12-03T10:05:00Z"), "a string"),
            (
                json!([{"scheduled_time": "2026-12-03T10:05:00Z"}]),
                "an array",
            ),
        ] {
            assert_eq!(
                Invocation::from_event(&payload, on_time()).unwrap_err(),
                EventError::NoTime(described.into()),
                "{payload}"
            );
        }
    }

    #[test]
    fn a_time_that_is_not_rfc_3339_is_refused_with_its_value() {
        for (time, shown) in [
            (json!("yesterday"), "\"yesterday\""),
            (json!(null), "null"),
            (json!(1764756300), "1764756300"),
            (
                json!({"at": "2026-12-03T10:05:00Z"}),
                "{\"at\":\"2026-12-03T10:05:00Z\"}",
            ),
            // Without an offset the time could be anywhere's local time.
            (json!("2026-12-03T10:05:00"), "\"2026-12-03T10:05:00\""),
            (json!("2026-12-03"), "\"2026-12-03\""),
        ] {
            let error =
                Invocation::from_event(&json!({"scheduled_time": time}), on_time()).unwrap_err();
            assert_eq!(
                error,
                EventError::BadTime {
                    field: "scheduled_time",
                    value: shown.into()
                }
            );
            assert!(
                error.to_string().contains("2026-12-03T10:05:00Z"),
                "{error}"
            );
        }
    }

    #[test]
    fn a_time_with_a_fraction_of_a_second_is_refused_in_either_shape() {
        for event in [
            json!({"scheduled_time": "2026-12-03T10:05:00.250Z"}),
            json!({"detail-type": "Scheduled Event", "time": "2026-12-03T10:05:00.250Z"}),
        ] {
            let error = Invocation::from_event(&event, on_time()).unwrap_err();
            assert!(
                matches!(&error, EventError::FractionOfASecond { value, .. }
                    if value == "\"2026-12-03T10:05:00.250Z\""),
                "{error}"
            );
            assert!(error.to_string().contains("whole seconds"), "{error}");
        }
    }

    #[test]
    fn scheduler_placeholder_left_in_by_hand_is_refused_saying_so() {
        let event = json!({
            "scheduled_time": "<aws.scheduler.scheduled-time>",
            "execution_id": "<aws.scheduler.execution-id>",
        });
        let error = Invocation::from_event(&event, on_time()).unwrap_err();
        assert_eq!(error, EventError::Placeholder);
        assert!(
            error.to_string().contains("replaces when it invokes"),
            "{error}"
        );
    }

    #[test]
    fn a_time_far_ahead_of_the_clock_is_refused() {
        let event = json!({"scheduled_time": "2099-01-01T00:00:00Z"});
        let error = Invocation::from_event(&event, on_time()).unwrap_err();
        let far = time("2099-01-01T00:00:00Z");
        assert!(
            matches!(error, EventError::InTheFuture { at, .. } if at == far),
            "{error:?}"
        );
        let message = error.to_string();
        assert!(
            message.contains("2099-01-01T00:00:00Z")
                && message.contains("2026-12-03T10:05:01Z")
                && message.contains("5m"),
            "{message}"
        );
    }

    #[test]
    fn a_time_slightly_ahead_of_the_clock_is_taken_and_just_beyond_is_not() {
        let clock = time("2026-12-03T10:00:00Z");
        let within = json!({"scheduled_time": "2026-12-03T10:05:00Z"});
        assert!(Invocation::from_event(&within, clock).is_ok());
        let beyond = json!({"scheduled_time": "2026-12-03T10:05:01Z"});
        assert!(matches!(
            Invocation::from_event(&beyond, clock),
            Err(EventError::InTheFuture { .. })
        ));
    }

    #[test]
    fn a_time_long_past_is_taken() {
        let event = json!({"scheduled_time": "2001-01-01T00:00:00Z"});
        let invocation = Invocation::from_event(&event, on_time()).unwrap();
        assert_eq!(invocation.run_id, "run-20010101T000000Z");
    }
}
