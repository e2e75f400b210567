//! The rule states: one head item guarding every commit, plus extra parts when the
//! compressed states outgrow it.

use chrono::{DateTime, Utc};

use super::blob;
use super::items::{
    self, BODY, GENERATION, Item, LAST_EVALUATED_AT, OUTBOX_PREFIX, PARTS, RUN_ID, RUN_PARTITION,
    STATE_HEAD, b, n, s, state_part_key, time_key,
};
use super::outbox::StoredOutboxItem;
use crate::engine::RuleStates;
use crate::store::StoreError;

/// Everything one query of the run partition returns, read.
#[derive(Debug, Default)]
pub(super) struct RunPartition {
    pub(super) last_evaluated_at: Option<DateTime<Utc>>,
    pub(super) states: RuleStates,
    /// How many parts the stored states have; 0 when there is no head yet.
    pub(super) state_parts: usize,
    /// Outbox items, oldest first.
    pub(super) outbox: Vec<StoredOutboxItem>,
}

impl RunPartition {
    /// Reads the items of the run partition, in sort key order.
    pub(super) fn read(items: &[Item]) -> Result<RunPartition, StoreError> {
        let mut partition = RunPartition::default();
        let mut head = None;
        let mut parts = Vec::new();
        for item in items {
            let sort_key = items::sort_key(item);
            if sort_key == STATE_HEAD {
                head = Some(item);
            } else if sort_key.starts_with(&format!("{STATE_HEAD}#")) {
                parts.push(item);
            } else if sort_key.starts_with(OUTBOX_PREFIX) {
                partition.outbox.push(StoredOutboxItem::read(item)?);
            }
        }

        let Some(head) = head else {
            return Ok(partition);
        };
        let generation = items::get_s(head, LAST_EVALUATED_AT)?;
        let part_count = items::get_count(head, PARTS)?;
        let mut bodies = vec![items::get_b(head, BODY)?];
        for index in 1..part_count {
            let wanted = state_part_key(index);
            let part = parts
                .iter()
                .find(|part| items::sort_key(part) == wanted)
                .ok_or_else(|| torn(&wanted))?;
            if items::get_s(part, GENERATION)? != generation {
                return Err(torn(&wanted));
            }
            bodies.push(items::get_b(part, BODY)?);
        }

        partition.last_evaluated_at = Some(items::parse_time_key(generation)?);
        partition.states = blob::decode(&blob::join(bodies), "rule states")?;
        partition.state_parts = part_count;
        Ok(partition)
    }
}

/// A state part missing or left from another commit. The transaction writes head and parts
/// together, but a query is not a snapshot of the table, so a read racing a commit can see
/// them torn; reading again sees them whole.
fn torn(part: &str) -> StoreError {
    StoreError::Retryable(format!(
        "rule state part `{part}` changed while it was read; read again"
    ))
}

/// The items that store `states` as evaluated at `at`: the head first, then the parts.
pub(super) fn state_items(
    states: &RuleStates,
    at: DateTime<Utc>,
    run_id: &str,
) -> Result<Vec<Item>, StoreError> {
    let encoded = blob::encode(states)?;
    let parts = blob::split(&encoded);
    let generation = time_key(at);

    let mut written = Vec::with_capacity(parts.len());
    for (index, body) in parts.iter().enumerate() {
        written.push(if index == 0 {
            items::item(
                RUN_PARTITION,
                STATE_HEAD,
                [
                    (LAST_EVALUATED_AT, s(&generation)),
                    (PARTS, n(parts.len())),
                    (RUN_ID, s(run_id)),
                    (BODY, b(body.clone())),
                ],
            )
        } else {
            items::item(
                RUN_PARTITION,
                state_part_key(index),
                [(GENERATION, s(&generation)), (BODY, b(body.clone()))],
            )
        });
    }
    Ok(written)
}

#[cfg(test)]
mod tests {
    use std::collections::VecDeque;

    use super::*;
    use crate::engine::{Datapoint, Notified, RuleState};
    use crate::model::Level;

    fn states(rules: usize, at: DateTime<Utc>) -> RuleStates {
        (0..rules)
            .map(|i| {
                let datapoints = (0..10)
                    .map(|k| Datapoint {
                        at: at - chrono::Duration::minutes(5 * k),
                        value: Some(fastrand::f64() * 1000.0 + i as f64),
                        level: Some(Level::Ok),
                        told: Notified::Ok,
                    })
                    .collect::<VecDeque<_>>();
                let mut state = RuleState::new(at);
                state.datapoints = datapoints;
                (format!("rule-{i}"), state)
            })
            .collect()
    }

    #[test]
    fn states_read_back_from_their_items() {
        let at = "2026-12-03T10:05:00Z".parse().unwrap();
        let stored = states(3, at);
        let written = state_items(&stored, at, "run-1").unwrap();
        assert_eq!(written.len(), 1);

        let read = RunPartition::read(&written).unwrap();
        assert_eq!(read.last_evaluated_at, Some(at));
        assert_eq!(read.states, stored);
        assert_eq!(read.state_parts, 1);
    }

    #[test]
    fn a_thousand_rules_fit_in_the_head_item() {
        let at = "2026-12-03T10:05:00Z".parse().unwrap();
        assert_eq!(
            state_items(&states(1000, at), at, "run-1").unwrap().len(),
            1
        );
    }

    #[test]
    fn parts_of_another_commit_are_detected_as_torn() {
        let at: DateTime<Utc> = "2026-12-03T10:05:00Z".parse().unwrap();
        let mut written = state_items(&states(3_000, at), at, "run-1").unwrap();
        assert!(written.len() > 1);
        assert_eq!(RunPartition::read(&written).unwrap().states.len(), 3_000);

        let other = time_key(at + chrono::Duration::minutes(5));
        written[1].insert(GENERATION.to_string(), s(other));
        let error = RunPartition::read(&written).unwrap_err();
        assert!(matches!(error, StoreError::Retryable(_)));
    }
}
