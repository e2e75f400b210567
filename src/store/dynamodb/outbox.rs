//! The outbox: notifications committed with their run and not yet accepted by the notifier.
//!
//! A commit writes its notifications as a few outbox items (usually one), each holding many
//! notifications compressed, inside the same transaction as the states. An item per
//! notification would make a commit with more than about 95 notifications exceed the
//! transaction limit of 100 items, so a storm of alerts could not be committed atomically.
//!
//! Marking sent never rewrites an item's notifications: the accepted ids are added to the
//! item's `sent` string set with `ADD`, which commutes, so two runs delivering the same
//! outbox cannot undo each other. An item whose notifications are all sent is deleted.
//!
//! Which run delivers is decided by the lease in [`super::lease`], not here: a run reads the
//! outbox again once it holds the lease, so it never sends what another run delivered
//! while it waited.

use std::collections::{BTreeMap, HashSet};

use chrono::{DateTime, Utc};

use super::blob;
use super::items::{self, BODY, Item, SENT, outbox_key};
use crate::model::Notification;
use crate::store::StoreError;

/// The largest outbox item: compressed notifications plus the ids its `sent` set can grow
/// to, under DynamoDB's 400 KB item limit.
const ITEM_BYTES: usize = 300 * 1024;

/// An outbox item ready to be written.
#[derive(Debug)]
pub(super) struct NewOutboxItem {
    pub(super) sort_key: String,
    pub(super) body: Vec<u8>,
    pub(super) ids: Vec<String>,
}

/// Packs a commit's notifications into as few outbox items as fit, in order.
pub(super) fn pack(
    notifications: &[Notification],
    at: DateTime<Utc>,
) -> Result<Vec<NewOutboxItem>, StoreError> {
    let mut groups = Vec::new();
    if !notifications.is_empty() {
        pack_into(notifications, &mut groups)?;
    }
    Ok(groups
        .into_iter()
        .enumerate()
        .map(|(sequence, (body, ids))| NewOutboxItem {
            sort_key: outbox_key(at, sequence),
            body,
            ids,
        })
        .collect())
}

/// Encodes the notifications as one group, or halves them until each half fits.
fn pack_into(
    notifications: &[Notification],
    groups: &mut Vec<(Vec<u8>, Vec<String>)>,
) -> Result<(), StoreError> {
    let body = blob::encode(&notifications)?;
    let ids: Vec<String> = notifications.iter().map(|n| n.id.clone()).collect();
    let ids_bytes: usize = ids.iter().map(String::len).sum();
    if body.len() + ids_bytes <= ITEM_BYTES {
        groups.push((body, ids));
        return Ok(());
    }
    if let [notification] = notifications {
        return Err(StoreError::Permanent(format!(
            "notification `{}` is too large to store: {} bytes compressed, at most {ITEM_BYTES}",
            notification.id,
            body.len()
        )));
    }
    let (first, second) = notifications.split_at(notifications.len() / 2);
    pack_into(first, groups)?;
    pack_into(second, groups)
}

/// An outbox item as read back.
#[derive(Debug)]
pub(super) struct StoredOutboxItem {
    pub(super) sort_key: String,
    pub(super) notifications: Vec<Notification>,
    pub(super) sent: HashSet<String>,
}

impl StoredOutboxItem {
    pub(super) fn read(item: &Item) -> Result<StoredOutboxItem, StoreError> {
        let sort_key = items::sort_key(item).to_string();
        let notifications: Vec<Notification> = blob::decode(
            items::get_b(item, BODY)?,
            &format!("outbox item `{sort_key}`"),
        )?;
        let sent = items::get_string_set(item, SENT)?.iter().cloned().collect();
        Ok(StoredOutboxItem {
            sort_key,
            notifications,
            sent,
        })
    }

    /// Its notifications not yet sent, in commit order.
    pub(super) fn unsent(&self) -> impl Iterator<Item = &Notification> {
        self.notifications
            .iter()
            .filter(|n| !self.sent.contains(&n.id))
    }
}

/// What this store instance knows of the outbox items, so that marking sent knows which
/// item holds an id without reading the outbox again.
#[derive(Debug, Default)]
pub(super) struct OutboxIndex {
    items: BTreeMap<String, IndexedItem>,
}

#[derive(Debug)]
struct IndexedItem {
    ids: Vec<String>,
    sent: HashSet<String>,
}

/// The writes that mark a set of ids sent.
#[derive(Debug, Default, PartialEq, Eq)]
pub(super) struct MarkPlan {
    /// Items whose notifications will all be sent: deleted.
    pub(super) deletes: Vec<String>,
    /// Items with some notifications left: the ids to add to their `sent` set.
    pub(super) updates: Vec<(String, Vec<String>)>,
    /// Ids in no item this index knows.
    pub(super) unknown: Vec<String>,
}

impl OutboxIndex {
    /// Forgets everything and records the items just read.
    pub(super) fn replace(&mut self, stored: &[StoredOutboxItem]) {
        self.items = stored
            .iter()
            .map(|item| {
                let ids = item.notifications.iter().map(|n| n.id.clone()).collect();
                (
                    item.sort_key.clone(),
                    IndexedItem {
                        ids,
                        sent: item.sent.clone(),
                    },
                )
            })
            .collect();
    }

    /// Records items this instance has just written.
    pub(super) fn insert(&mut self, written: &[NewOutboxItem]) {
        for item in written {
            let indexed = IndexedItem {
                ids: item.ids.clone(),
                sent: HashSet::new(),
            };
            self.items.insert(item.sort_key.clone(), indexed);
        }
    }

    /// Which writes mark `ids` sent.
    pub(super) fn plan(&self, ids: &[String]) -> MarkPlan {
        let wanted: HashSet<&str> = ids.iter().map(String::as_str).collect();
        let mut found: HashSet<&str> = HashSet::new();
        let mut plan = MarkPlan::default();
        for (sort_key, item) in &self.items {
            let newly_sent: Vec<String> = item
                .ids
                .iter()
                .filter(|id| wanted.contains(id.as_str()) && !item.sent.contains(*id))
                .cloned()
                .collect();
            found.extend(
                item.ids
                    .iter()
                    .map(String::as_str)
                    .filter(|id| wanted.contains(id)),
            );
            if newly_sent.is_empty() {
                continue;
            }
            let all_sent = item
                .ids
                .iter()
                .all(|id| item.sent.contains(id) || wanted.contains(id.as_str()));
            if all_sent {
                plan.deletes.push(sort_key.clone());
            } else {
                plan.updates.push((sort_key.clone(), newly_sent));
            }
        }
        plan.unknown = ids
            .iter()
            .filter(|id| !found.contains(id.as_str()))
            .cloned()
            .collect();
        plan
    }

    /// Records ids as sent in an item; returns whether all of its notifications now are.
    pub(super) fn record_sent(&mut self, sort_key: &str, sent: &[String]) -> bool {
        match self.items.get_mut(sort_key) {
            Some(item) => {
                item.sent.extend(sent.iter().cloned());
                item.ids.iter().all(|id| item.sent.contains(id))
            }
            None => false,
        }
    }

    /// Forgets a deleted item.
    pub(super) fn remove(&mut self, sort_key: &str) {
        self.items.remove(sort_key);
    }
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;

    use super::*;
    use crate::model::{Level, NOTIFICATION_VERSION, NotificationKind, RuleRef};

    fn notification(rule: &str, message: String) -> Notification {
        let at: DateTime<Utc> = "2026-12-03T10:05:00Z".parse().unwrap();
        Notification {
            version: NOTIFICATION_VERSION.into(),
            id: Notification::id_for(rule, NotificationKind::Firing, at),
            kind: NotificationKind::Firing,
            rule: RuleRef {
                id: rule.into(),
                name: rule.into(),
            },
            level: Level::Critical,
            previous_level: None,
            incident_level: None,
            value: Some(6.2),
            unit: "%".into(),
            condition: "> 5".into(),
            previous_value: None,
            sparkline: String::new(),
            message,
            action: String::new(),
            runbook: String::new(),
            labels: BTreeMap::new(),
            at,
            run_id: "run".into(),
        }
    }

    #[test]
    fn many_notifications_pack_into_one_item_when_they_compress() {
        let at = "2026-12-03T10:05:00Z".parse().unwrap();
        let notifications: Vec<_> = (0..1000)
            .map(|i| notification(&format!("rule-{i}"), "Churn is high".into()))
            .collect();
        let packed = pack(&notifications, at).unwrap();
        assert_eq!(packed.len(), 1);
        assert_eq!(packed[0].ids.len(), 1000);
    }

    #[test]
    fn notifications_that_do_not_compress_are_split_in_order() {
        let at = "2026-12-03T10:05:00Z".parse().unwrap();
        let noise = || {
            (0..300)
                .map(|_| format!("{:x}", fastrand::u128(..)))
                .collect()
        };
        let notifications: Vec<_> = (0..100)
            .map(|i| notification(&format!("rule-{i}"), noise()))
            .collect();
        let packed = pack(&notifications, at).unwrap();
        assert!(packed.len() > 1);
        let ids: Vec<&String> = packed.iter().flat_map(|item| &item.ids).collect();
        let expected: Vec<&String> = notifications.iter().map(|n| &n.id).collect();
        assert_eq!(ids, expected);
        assert!(
            packed
                .windows(2)
                .all(|pair| pair[0].sort_key < pair[1].sort_key)
        );
    }

    #[test]
    fn a_single_oversized_notification_is_refused_by_name() {
        let at = "2026-12-03T10:05:00Z".parse().unwrap();
        let noise = (0..40_000)
            .map(|_| format!("{:x}", fastrand::u64(..)))
            .collect();
        let error = pack(&[notification("huge", noise)], at).unwrap_err();
        assert!(matches!(&error, StoreError::Permanent(m) if m.contains("huge/firing")));
    }

    #[test]
    fn marking_plans_deletes_for_finished_items_and_updates_for_the_rest() {
        let mut index = OutboxIndex::default();
        let ids = |names: &[&str]| names.iter().map(|n| n.to_string()).collect::<Vec<_>>();
        index.insert(&[
            NewOutboxItem {
                sort_key: "outbox#a".into(),
                body: vec![],
                ids: ids(&["1", "2"]),
            },
            NewOutboxItem {
                sort_key: "outbox#b".into(),
                body: vec![],
                ids: ids(&["3", "4"]),
            },
        ]);

        let plan = index.plan(&ids(&["1", "2", "3", "9"]));
        assert_eq!(plan.deletes, ids(&["outbox#a"]));
        assert_eq!(plan.updates, vec![("outbox#b".to_string(), ids(&["3"]))]);
        assert_eq!(plan.unknown, ids(&["9"]));

        assert!(!index.record_sent("outbox#b", &ids(&["3"])));
        let plan = index.plan(&ids(&["4"]));
        assert_eq!(plan.deletes, ids(&["outbox#b"]));
    }
}
