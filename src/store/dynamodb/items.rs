//! The item layout: key values, attribute names, and reading typed attributes back.

use std::collections::HashMap;

use aws_sdk_dynamodb::primitives::Blob;
use aws_sdk_dynamodb::types::AttributeValue;
use chrono::{DateTime, SecondsFormat, Utc};

use crate::store::StoreError;

/// An item as the SDK carries it.
pub(super) type Item = HashMap<String, AttributeValue>;

/// The partition key attribute, a string.
pub(super) const PK: &str = "pk";
/// The sort key attribute, a string.
pub(super) const SK: &str = "sk";

/// The partition that one `Query` reads at the start of a run: the state head, its extra
/// parts and the outbox.
pub(super) const RUN_PARTITION: &str = "run";
/// Snapshot heads, sorted by T, for the baseline and history queries.
pub(super) const SNAPSHOT_PARTITION: &str = "snapshot";
/// The extra parts of snapshots too large for one item; kept apart so that the baseline
/// query, which takes the first item at or before an instant, only ever meets heads.
pub(super) const SNAPSHOT_PART_PARTITION: &str = "snapshot#part";

/// The sort key of the state head in [`RUN_PARTITION`].
pub(super) const STATE_HEAD: &str = "state";
/// The sort key prefix of outbox items in [`RUN_PARTITION`].
pub(super) const OUTBOX_PREFIX: &str = "outbox#";
/// The sort key of the outbox lease in [`RUN_PARTITION`].
pub(super) const LEASE: &str = "lease";

/// Gzip-compressed JSON, or the first part of it.
pub(super) const BODY: &str = "body";
/// How many parts the body has, this item's included.
pub(super) const PARTS: &str = "parts";
/// The T of the last committed evaluation, in [`time_key`] form. The commit's guard.
pub(super) const LAST_EVALUATED_AT: &str = "last_evaluated_at";
/// On an extra part: the T of the commit that wrote it, to detect a part left from another.
pub(super) const GENERATION: &str = "generation";
/// The id of the run that wrote the item, for whoever reads the table.
pub(super) const RUN_ID: &str = "run_id";
/// The TTL attribute, in epoch seconds. Only snapshots have it.
pub(super) const EXPIRES_AT: &str = "expires_at";
/// On an outbox item: how many notifications it holds.
pub(super) const TOTAL: &str = "total";
/// On an outbox item: the ids of its notifications already accepted by the notifier.
pub(super) const SENT: &str = "sent";
/// On the lease: the id of the run allowed to deliver the outbox.
pub(super) const HOLDER: &str = "holder";
/// On the lease: when it lapses, in [`time_key`] form, unless its holder releases it first.
pub(super) const UNTIL: &str = "until";

/// An instant as a sort key: RFC 3339 in UTC with nanoseconds, so every key has the same
/// width and string order is time order.
pub(super) fn time_key(at: DateTime<Utc>) -> String {
    at.to_rfc3339_opts(SecondsFormat::Nanos, true)
}

pub(super) fn parse_time_key(text: &str) -> Result<DateTime<Utc>, StoreError> {
    DateTime::parse_from_rfc3339(text)
        .map(|at| at.with_timezone(&Utc))
        .map_err(|error| unreadable(format!("time `{text}` ({error})")))
}

pub(super) fn state_part_key(index: usize) -> String {
    format!("{STATE_HEAD}#{index:04}")
}

pub(super) fn snapshot_part_key(at: DateTime<Utc>, index: usize) -> String {
    format!("{}#{index:04}", time_key(at))
}

pub(super) fn outbox_key(at: DateTime<Utc>, sequence: usize) -> String {
    format!("{OUTBOX_PREFIX}{}#{sequence:04}", time_key(at))
}

pub(super) fn s(value: impl Into<String>) -> AttributeValue {
    AttributeValue::S(value.into())
}

pub(super) fn n(value: impl ToString) -> AttributeValue {
    AttributeValue::N(value.to_string())
}

pub(super) fn b(bytes: Vec<u8>) -> AttributeValue {
    AttributeValue::B(Blob::new(bytes))
}

/// The key of an item.
pub(super) fn key(partition: &str, sort: impl Into<String>) -> Item {
    HashMap::from([(PK.to_string(), s(partition)), (SK.to_string(), s(sort))])
}

/// A new item: its key and its attributes.
pub(super) fn item<const N: usize>(
    partition: &str,
    sort: impl Into<String>,
    attributes: [(&str, AttributeValue); N],
) -> Item {
    let mut item = key(partition, sort);
    item.extend(
        attributes
            .into_iter()
            .map(|(name, value)| (name.to_string(), value)),
    );
    item
}

pub(super) fn get_s<'a>(item: &'a Item, name: &str) -> Result<&'a str, StoreError> {
    match item.get(name) {
        Some(AttributeValue::S(value)) => Ok(value),
        _ => Err(missing(item, name, "a string")),
    }
}

pub(super) fn get_b<'a>(item: &'a Item, name: &str) -> Result<&'a [u8], StoreError> {
    match item.get(name) {
        Some(AttributeValue::B(value)) => Ok(value.as_ref()),
        _ => Err(missing(item, name, "binary")),
    }
}

pub(super) fn get_count(item: &Item, name: &str) -> Result<usize, StoreError> {
    match item.get(name) {
        Some(AttributeValue::N(value)) => value
            .parse()
            .map_err(|_| missing(item, name, "a whole number")),
        _ => Err(missing(item, name, "a number")),
    }
}

/// A string set that may be absent, as DynamoDB drops empty sets.
pub(super) fn get_string_set<'a>(item: &'a Item, name: &str) -> Result<&'a [String], StoreError> {
    match item.get(name) {
        None => Ok(&[]),
        Some(AttributeValue::Ss(values)) => Ok(values),
        Some(_) => Err(missing(item, name, "a string set")),
    }
}

/// The sort key, for messages about an item.
pub(super) fn sort_key(item: &Item) -> &str {
    match item.get(SK) {
        Some(AttributeValue::S(value)) => value,
        _ => "?",
    }
}

fn missing(item: &Item, name: &str, what: &str) -> StoreError {
    unreadable(format!(
        "item `{}`/`{}` has no attribute `{name}` holding {what}",
        match item.get(PK) {
            Some(AttributeValue::S(value)) => value.as_str(),
            _ => "?",
        },
        sort_key(item)
    ))
}

/// Data this version cannot read: written by hand, by a newer version, or damaged.
pub(super) fn unreadable(what: String) -> StoreError {
    StoreError::Permanent(format!("stored data cannot be read: {what}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn time_keys_sort_in_time_order_and_read_back_exactly() {
        let earlier: DateTime<Utc> = "2026-12-03T10:05:00Z".parse().unwrap();
        let later: DateTime<Utc> = "2026-12-03T10:05:00.5Z".parse().unwrap();
        assert!(time_key(earlier) < time_key(later));
        assert_eq!(time_key(earlier), "2026-12-03T10:05:00.000000000Z");
        assert_eq!(parse_time_key(&time_key(later)).unwrap(), later);
    }

    #[test]
    fn a_snapshot_part_sorts_after_its_head_and_before_the_next_head() {
        let at: DateTime<Utc> = "2026-12-03T10:05:00Z".parse().unwrap();
        let next = at + chrono::Duration::seconds(1);
        assert!(time_key(at) < snapshot_part_key(at, 1));
        assert!(snapshot_part_key(at, 1) < time_key(next));
    }
}
