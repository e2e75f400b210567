//! The DynamoDB store: one table, a handful of items per run whatever the number of rules.
//!
//! The table has a string partition key `pk`, a string sort key `sk`, and the TTL attribute
//! `expires_at` (epoch seconds). Times in keys are RFC 3339 UTC with nanoseconds, so that
//! string order is time order.
//!
//! | `pk`            | `sk`                     | holds                                        |
//! |-----------------|--------------------------|----------------------------------------------|
//! | `run`           | `state`                  | the state head: `last_evaluated_at`, the     |
//! |                 |                          | committing `run_id`, and the rule states as  |
//! |                 |                          | gzip JSON (`body`) in `parts` parts          |
//! | `run`           | `state#0001`...          | further parts of the states, when they pass  |
//! |                 |                          | 350 KB compressed, each with its `generation`|
//! | `run`           | `outbox#<T>#0000`...     | notifications of the commit at T not yet     |
//! |                 |                          | delivered: gzip JSON `body`, `total`, and the|
//! |                 |                          | `sent` string set                            |
//! | `run`           | `lease`                  | the run delivering the outbox (`holder`) and |
//! |                 |                          | when its claim lapses (`until`)              |
//! | `snapshot`      | `<T>`                    | the snapshot taken at T, gzip JSON, with     |
//! |                 |                          | `expires_at` = T + retention                 |
//! | `snapshot#part` | `<T>#0001`...            | further parts of large snapshots             |
//!
//! A run makes these calls when nothing fails and its data fits the first item of each kind,
//! which holds up to several thousand rules and tens of thousands of metrics:
//!
//! - [`Store::load`]: one `Query` of the `run` partition (state and outbox together), plus
//!   one `Query` per distinct `change.vs` offset for its baseline snapshot;
//! - [`Store::commit`]: one `TransactWriteItems` holding the head, the snapshot and the
//!   outbox items;
//! - [`Store::claim_outbox`]: one conditional `UpdateItem` of the lease, and one `Query` of
//!   the outbox items;
//! - [`Store::mark_sent`]: one `BatchWriteItem` deleting the delivered outbox items;
//! - [`Store::release_outbox`]: one conditional `DeleteItem` of the lease.
//!
//! The last three happen only when there is something to deliver. With B baseline offsets
//! and N new notifications, that is `2 + B` calls when N is 0 and the outbox was empty, and
//! `6 + B` otherwise, to which the notifier adds `ceil(N / 10)` `PublishBatch` calls. A
//! run that loses the commit race to a concurrent one loads once more, to report the
//! winner's states.
//!
//! Each piece that keeps the count flat is explained where it lives: compressed states in
//! [`state`], the outbox in [`outbox`], the guarded transaction in [`commit`],
//! the delivery lease in [`lease`].

mod batch;
mod blob;
mod commit;
mod items;
mod lease;
mod outbox;
mod snapshot;
mod state;
mod table;

use std::sync::{Mutex, MutexGuard};

use async_trait::async_trait;
use aws_sdk_dynamodb::Client;
use aws_sdk_dynamodb::operation::query::builders::QueryFluentBuilder;
use aws_sdk_dynamodb::types::{AttributeValue, ReturnValue};
use chrono::{DateTime, Utc};
use futures::future::try_join_all;

use self::commit::Transaction;
use self::items::{
    EXPIRES_AT, Item, OUTBOX_PREFIX, RUN_PARTITION, SENT, SNAPSHOT_PART_PARTITION,
    SNAPSHOT_PARTITION, key, n, s, state_part_key, time_key,
};
use self::outbox::{OutboxIndex, StoredOutboxItem};
use self::state::RunPartition;
use super::{Claim, Commit, Loaded, RunRecord, Store, StoreError};
use crate::aws::classify;
use crate::model::{Notification, Snapshot};

/// Snapshots, rule states and the outbox in one DynamoDB table.
#[derive(Debug)]
pub struct DynamoStore {
    client: Client,
    table: String,
    /// What this instance learnt from its last load and commit, to save reads later.
    memory: Mutex<Memory>,
}

#[derive(Debug, Default)]
struct Memory {
    /// How many state parts are stored, so a commit with fewer deletes the rest.
    state_parts: usize,
    /// Which outbox item holds which notification.
    outbox: OutboxIndex,
}

impl DynamoStore {
    /// A store in `table`, which must exist with the key schema described above. Makes no
    /// call until the first operation.
    pub fn new(client: Client, table: impl Into<String>) -> DynamoStore {
        DynamoStore {
            client,
            table: table.into(),
            memory: Mutex::new(Memory::default()),
        }
    }

    /// The table's name.
    pub fn table(&self) -> &str {
        &self.table
    }

    fn memory(&self) -> MutexGuard<'_, Memory> {
        // The memory is a cache of what the table holds; one left half-updated by a panic
        // costs at most a read or a stale part, so a poisoned lock is used as it is.
        self.memory
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    fn query(&self, partition: &str) -> QueryFluentBuilder {
        self.client
            .query()
            .table_name(&self.table)
            .key_condition_expression("pk = :pk")
            .expression_attribute_values(":pk", s(partition))
            // Every read here must see the last commit: a stale state head would make
            // the commit fail its condition, and a stale outbox would resend.
            .consistent_read(true)
    }

    /// Every item a query returns, across pages.
    async fn query_all(&self, query: QueryFluentBuilder) -> Result<Vec<Item>, StoreError> {
        query
            .into_paginator()
            .items()
            .send()
            .try_collect()
            .await
            .map_err(|error| classify("Query", &error).into())
    }

    /// The newest snapshot taken at or before `instant`.
    async fn baseline(&self, instant: DateTime<Utc>) -> Result<Option<Snapshot>, StoreError> {
        let output = self
            .query(SNAPSHOT_PARTITION)
            .key_condition_expression("pk = :pk AND sk <= :instant")
            .expression_attribute_values(":instant", s(time_key(instant)))
            .scan_index_forward(false)
            .limit(1)
            .send()
            .await
            .map_err(|error| classify("Query", &error))?;
        match output.items().first() {
            Some(head) => self.read_snapshot(head).await,
            None => Ok(None),
        }
    }

    /// Reads a snapshot from its head, fetching its other parts when it has some.
    async fn read_snapshot(&self, head: &Item) -> Result<Option<Snapshot>, StoreError> {
        let parts = if snapshot::part_count(head)? > 1 {
            let prefix = format!("{}#", snapshot::head_key(head));
            let query = self
                .query(SNAPSHOT_PART_PARTITION)
                .key_condition_expression("pk = :pk AND begins_with(sk, :prefix)")
                .expression_attribute_values(":prefix", s(prefix));
            self.query_all(query).await?
        } else {
            Vec::new()
        };
        snapshot::read_snapshot(head, &parts)
    }

    /// Adds ids to an outbox item's `sent` set. Returns whether every notification of the
    /// item is now sent, counting ids another run may have added.
    async fn add_sent(&self, sort_key: &str, ids: &[String]) -> Result<bool, StoreError> {
        let result = self
            .client
            .update_item()
            .table_name(&self.table)
            .set_key(Some(key(RUN_PARTITION, sort_key)))
            .update_expression("ADD #sent :ids")
            // Without it, an item another run deleted would be recreated, holding only ids.
            .condition_expression("attribute_exists(pk)")
            .expression_attribute_names("#sent", SENT)
            .expression_attribute_values(":ids", AttributeValue::Ss(ids.to_vec()))
            .return_values(ReturnValue::AllNew)
            .send()
            .await;
        match result {
            Ok(output) => {
                let sent = match output.attributes() {
                    Some(item) => items::get_string_set(item, SENT)?.to_vec(),
                    None => ids.to_vec(),
                };
                Ok(self.memory().outbox.record_sent(sort_key, &sent))
            }
            // Another run delivered and deleted the whole item first.
            Err(error)
                if error
                    .as_service_error()
                    .is_some_and(|e| e.is_conditional_check_failed_exception()) =>
            {
                self.memory().outbox.remove(sort_key);
                Ok(false)
            }
            Err(error) => Err(classify("UpdateItem", &error).into()),
        }
    }

    /// Reads the outbox again, remembering which item holds which id, and returns the
    /// notifications not yet sent.
    async fn refresh_outbox(&self) -> Result<Vec<Notification>, StoreError> {
        let query = self
            .query(RUN_PARTITION)
            .key_condition_expression("pk = :pk AND begins_with(sk, :prefix)")
            .expression_attribute_values(":prefix", s(OUTBOX_PREFIX));
        let stored = self
            .query_all(query)
            .await?
            .iter()
            .map(StoredOutboxItem::read)
            .collect::<Result<Vec<_>, _>>()?;
        self.memory().outbox.replace(&stored);
        Ok(stored
            .iter()
            .flat_map(StoredOutboxItem::unsent)
            .cloned()
            .collect())
    }

    /// [`Store::load`], before a permanent failure is explained by the table.
    async fn load_run(&self, baseline_instants: &[DateTime<Utc>]) -> Result<Loaded, StoreError> {
        let run_items = self.query_all(self.query(RUN_PARTITION));
        let baselines = try_join_all(baseline_instants.iter().map(|at| self.baseline(*at)));
        let (run_items, baselines) = futures::try_join!(run_items, baselines)?;

        let partition = RunPartition::read(&run_items)?;
        let outbox = partition
            .outbox
            .iter()
            .flat_map(StoredOutboxItem::unsent)
            .cloned()
            .collect();
        {
            let mut memory = self.memory();
            memory.state_parts = partition.state_parts;
            memory.outbox.replace(&partition.outbox);
        }
        Ok(Loaded {
            last_evaluated_at: partition.last_evaluated_at,
            states: partition.states,
            baselines,
            outbox,
        })
    }

    /// [`Store::commit`], before a permanent failure is explained by the table.
    async fn commit_run(&self, record: &RunRecord) -> Result<Commit, StoreError> {
        let at = record.snapshot.taken_at;
        let run_id = &record.snapshot.run_id;

        let mut state_items = state::state_items(&record.states, at, run_id)?.into_iter();
        let head = state_items.next().ok_or_else(|| {
            StoreError::Permanent("rule states encoded to no item at all".to_string())
        })?;
        let mut transaction =
            Transaction::new(&self.table, head, record.expected_last_evaluated_at)?;
        let new_parts = state_items.len() + 1;
        for part in state_items {
            transaction.put(&self.table, part)?;
        }
        let stale_parts = new_parts..self.memory().state_parts;
        for index in stale_parts {
            transaction.delete(&self.table, key(RUN_PARTITION, state_part_key(index)))?;
        }
        for item in snapshot::snapshot_items(&record.snapshot, record.retention)? {
            transaction.put(&self.table, item)?;
        }
        let outbox = outbox::pack(&record.notifications, at)?;
        for item in &outbox {
            transaction.put(
                &self.table,
                items::item(
                    RUN_PARTITION,
                    item.sort_key.clone(),
                    [
                        (items::TOTAL, n(item.ids.len())),
                        (items::BODY, items::b(item.body.clone())),
                    ],
                ),
            )?;
        }

        let committed = transaction.send(&self.client).await?;
        if committed == Commit::Committed {
            let mut memory = self.memory();
            memory.state_parts = new_parts;
            memory.outbox.insert(&outbox);
        }
        Ok(committed)
    }
}

#[async_trait]
impl Store for DynamoStore {
    // Load and commit are the first reads and writes of a run, and reading snapshots the
    // first of `history`: where a missing table or one with other keys shows. The calls
    // after them run only once those have worked.
    async fn load(&self, baseline_instants: &[DateTime<Utc>]) -> Result<Loaded, StoreError> {
        match self.load_run(baseline_instants).await {
            Err(error) => Err(table::explain(&self.client, &self.table, error).await),
            loaded => loaded,
        }
    }

    async fn commit(&self, record: &RunRecord) -> Result<Commit, StoreError> {
        match self.commit_run(record).await {
            Err(error) => Err(table::explain(&self.client, &self.table, error).await),
            committed => committed,
        }
    }

    async fn claim_outbox(
        &self,
        holder: &str,
        now: DateTime<Utc>,
        until: DateTime<Utc>,
    ) -> Result<Claim, StoreError> {
        if let Some(held) = lease::take(&self.client, &self.table, holder, now, until).await? {
            return Ok(Claim::Held {
                holder: held.holder,
                until: held.until,
            });
        }
        Ok(Claim::Claimed(self.refresh_outbox().await?))
    }

    async fn release_outbox(&self, holder: &str) -> Result<(), StoreError> {
        lease::release(&self.client, &self.table, holder).await
    }

    async fn mark_sent(&self, notification_ids: &[String]) -> Result<(), StoreError> {
        if notification_ids.is_empty() {
            return Ok(());
        }
        let mut plan = self.memory().outbox.plan(notification_ids);
        if !plan.unknown.is_empty() {
            // Ids this instance has not seen: marking sent from another instance than the
            // one that claimed them.
            self.refresh_outbox().await?;
            plan = self.memory().outbox.plan(notification_ids);
        }

        let mut finished = plan.deletes;
        for (sort_key, ids) in &plan.updates {
            if self.add_sent(sort_key, ids).await? {
                finished.push(sort_key.clone());
            }
        }
        if finished.is_empty() {
            return Ok(());
        }
        let keys = finished
            .iter()
            .map(|sort_key| key(RUN_PARTITION, sort_key.clone()))
            .collect();
        batch::delete_all(&self.client, &self.table, keys).await?;
        let mut memory = self.memory();
        for sort_key in &finished {
            memory.outbox.remove(sort_key);
        }
        Ok(())
    }

    async fn snapshots(
        &self,
        since: Option<DateTime<Utc>>,
        limit: usize,
    ) -> Result<Vec<Snapshot>, StoreError> {
        match self.read_snapshots(since, limit).await {
            Err(error) => Err(table::explain(&self.client, &self.table, error).await),
            read => read,
        }
    }
}

impl DynamoStore {
    /// [`Store::snapshots`], before a permanent failure is explained by the table.
    async fn read_snapshots(
        &self,
        since: Option<DateTime<Utc>>,
        limit: usize,
    ) -> Result<Vec<Snapshot>, StoreError> {
        let mut query = self.query(SNAPSHOT_PARTITION).scan_index_forward(false);
        if let Some(since) = since {
            query = query
                .key_condition_expression("pk = :pk AND sk >= :since")
                .expression_attribute_values(":since", s(time_key(since)));
        }

        // Newest first, so that the newest snapshot, the store's present, comes first.
        let mut heads: Vec<Item> = Vec::new();
        let mut start = None;
        while heads.len() < limit {
            let remaining = i32::try_from(limit - heads.len()).unwrap_or(i32::MAX);
            let output = query
                .clone()
                .limit(remaining)
                .set_exclusive_start_key(start)
                .send()
                .await
                .map_err(|error| classify("Query", &error))?;
            heads.extend(output.items.unwrap_or_default());
            start = output.last_evaluated_key;
            if start.is_none() {
                break;
            }
        }

        // TTL deletes expired items within days, not at once, and reads return them until
        // then. Expired is judged against the newest snapshot's T rather than the clock,
        // as the retention is counted from T.
        if let Some(newest) = heads.first() {
            let present = items::parse_time_key(items::sort_key(newest))?.timestamp();
            let mut kept = Vec::with_capacity(heads.len());
            for head in heads {
                if i64::try_from(items::get_count(&head, EXPIRES_AT)?).unwrap_or(i64::MAX) > present
                {
                    kept.push(head);
                }
            }
            heads = kept;
        }

        let mut snapshots = Vec::with_capacity(heads.len());
        for head in heads.iter().rev() {
            snapshots.extend(self.read_snapshot(head).await?);
        }
        Ok(snapshots)
    }
}

/// The attribute DynamoDB's TTL must be enabled on, for snapshot retention.
pub const TTL_ATTRIBUTE: &str = EXPIRES_AT;
