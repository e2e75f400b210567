//! Snapshots: a head item keyed by T in the snapshot partition, with a TTL, plus extra parts
//! in their own partition when the compressed metrics outgrow one item.

use std::time::Duration;

use chrono::{DateTime, Utc};

use super::blob;
use super::items::{
    self, BODY, EXPIRES_AT, Item, PARTS, RUN_ID, SNAPSHOT_PART_PARTITION, SNAPSHOT_PARTITION, b, n,
    s, snapshot_part_key, time_key,
};
use crate::model::Snapshot;
use crate::store::StoreError;

/// The items that store a snapshot for `retention`: the head first, then the parts.
pub(super) fn snapshot_items(
    snapshot: &Snapshot,
    retention: Duration,
) -> Result<Vec<Item>, StoreError> {
    let encoded = blob::encode(snapshot)?;
    let parts = blob::split(&encoded);
    let expires_at = expiry(snapshot.taken_at, retention);

    let mut written = Vec::with_capacity(parts.len());
    for (index, body) in parts.iter().enumerate() {
        written.push(if index == 0 {
            items::item(
                SNAPSHOT_PARTITION,
                time_key(snapshot.taken_at),
                [
                    (PARTS, n(parts.len())),
                    (RUN_ID, s(&snapshot.run_id)),
                    (EXPIRES_AT, n(expires_at)),
                    (BODY, b(body.clone())),
                ],
            )
        } else {
            items::item(
                SNAPSHOT_PART_PARTITION,
                snapshot_part_key(snapshot.taken_at, index),
                [(EXPIRES_AT, n(expires_at)), (BODY, b(body.clone()))],
            )
        });
    }
    Ok(written)
}

/// When DynamoDB may delete a snapshot taken at `taken_at`, in epoch seconds. Counted from T
/// rather than from the write, so a snapshot lives as long as the comparisons that need it.
fn expiry(taken_at: DateTime<Utc>, retention: Duration) -> i64 {
    let retention_secs = i64::try_from(retention.as_secs()).unwrap_or(i64::MAX);
    taken_at.timestamp().saturating_add(retention_secs)
}

/// How many parts a snapshot head says it has.
pub(super) fn part_count(head: &Item) -> Result<usize, StoreError> {
    items::get_count(head, PARTS)
}

/// The sort key of a snapshot head, which its parts' keys start with.
pub(super) fn head_key(head: &Item) -> &str {
    items::sort_key(head)
}

/// Reads a snapshot from its head and, when it has more than one part, its other parts.
///
/// `None` when parts are missing. They are written with their head in one transaction and
/// expire with it, but TTL deletes items in no particular order, so a snapshot at the end
/// of its retention may be found incomplete; it is then as good as gone.
pub(super) fn read_snapshot(head: &Item, parts: &[Item]) -> Result<Option<Snapshot>, StoreError> {
    let what = format!("snapshot `{}`", head_key(head));
    if parts.len() + 1 != part_count(head)? {
        tracing::debug!(
            snapshot = head_key(head),
            "snapshot partly expired; skipped"
        );
        return Ok(None);
    }
    let mut bodies = vec![items::get_b(head, BODY)?];
    for part in parts {
        bodies.push(items::get_b(part, BODY)?);
    }
    blob::decode(&blob::join(bodies), &what).map(Some)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn snapshots_expire_retention_after_their_evaluation_time() {
        let mut snapshot = Snapshot::new("2026-12-03T10:05:00Z".parse().unwrap(), "run-1");
        snapshot.metrics.insert("retention.churnRate".into(), 6.2);
        let written = snapshot_items(&snapshot, Duration::from_secs(86_400)).unwrap();
        assert_eq!(written.len(), 1);
        let expected = snapshot.taken_at.timestamp() + 86_400;
        assert_eq!(
            items::get_count(&written[0], EXPIRES_AT).unwrap(),
            expected as usize
        );
        assert_eq!(read_snapshot(&written[0], &[]).unwrap(), Some(snapshot));
    }

    #[test]
    fn large_snapshots_span_parts_and_read_back_only_whole() {
        let mut snapshot = Snapshot::new("2026-12-03T10:05:00Z".parse().unwrap(), "run-1");
        for i in 0..30_000 {
            snapshot
                .metrics
                .insert(format!("m{i}.{:x}", fastrand::u64(..)), fastrand::f64());
        }
        let written = snapshot_items(&snapshot, Duration::from_secs(86_400)).unwrap();
        assert!(written.len() > 1);
        assert_eq!(
            read_snapshot(&written[0], &written[1..]).unwrap(),
            Some(snapshot)
        );
        assert_eq!(read_snapshot(&written[0], &written[2..]).unwrap(), None);
    }
}
