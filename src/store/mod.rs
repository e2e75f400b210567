//! Where snapshots, rule states and the notification outbox live between runs.
//!
//! [`Store`] is the interface; [`SqliteStore`] is the embedded backend that the CLI uses by
//! default. One contract test suite (`tests/store_contract/`) runs against every
//! backend.
//!
//! A run talks to the store in four steps: [`Store::load`] what the evaluation needs,
//! [`Store::commit`] the snapshot, the new states and the new notifications together,
//! [`Store::claim_outbox`] before delivering, and [`Store::mark_sent`] and
//! [`Store::release_outbox`] once the notifier has answered. The commit is guarded by the
//! evaluation time that `load` saw, so two invocations for the same T, or a retried one,
//! cannot both commit. The claim is a lease on the whole outbox, so two runs cannot both
//! deliver what one of them committed.

mod dynamodb;
mod error;
mod open;
mod sqlite;

use std::time::Duration;

use async_trait::async_trait;
use chrono::{DateTime, Utc};

pub use dynamodb::{DynamoStore, TTL_ATTRIBUTE};
pub use error::StoreError;
pub use open::{StoreUrl, open, open_read_only, parse_table};
pub use sqlite::SqliteStore;

use crate::engine::RuleStates;
use crate::model::{Notification, Snapshot};

/// What a run reads before it evaluates.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Loaded {
    /// The T of the last committed evaluation, if any. The commit is guarded by it.
    pub last_evaluated_at: Option<DateTime<Utc>>,
    /// The states that evaluation committed.
    pub states: RuleStates,
    /// For each requested instant, the stored snapshot nearest at or before it.
    pub baselines: Vec<Option<Snapshot>>,
    /// Notifications committed earlier and not yet accepted by the notifier, oldest first.
    pub outbox: Vec<Notification>,
}

/// What a run writes after it evaluates, as one atomic unit.
#[derive(Debug, Clone, PartialEq)]
pub struct RunRecord {
    /// The snapshot; its `taken_at` is the run's T.
    pub snapshot: Snapshot,
    /// The new state of every rule.
    pub states: RuleStates,
    /// New notifications, to be held in the outbox until marked sent.
    pub notifications: Vec<Notification>,
    /// The `last_evaluated_at` that `load` returned. The commit fails with
    /// [`Commit::Superseded`] unless the store still holds exactly this.
    pub expected_last_evaluated_at: Option<DateTime<Utc>>,
    /// How long to keep the snapshot. Older snapshots may be deleted or expire.
    pub retention: Duration,
}

/// How a commit ended, when the store could be reached.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Commit {
    /// Everything was written.
    Committed,
    /// Another run committed first; nothing was written. The caller must not send the
    /// notifications it evaluated, since the other run owns them.
    Superseded,
}

/// How a claim on the outbox ended.
#[derive(Debug, Clone, PartialEq)]
pub enum Claim {
    /// The caller holds the lease. These are the notifications not yet sent, read after the
    /// lease was taken, oldest first.
    Claimed(Vec<Notification>),
    /// Another run holds the lease and has not released it.
    Held {
        /// The id of the run holding it.
        holder: String,
        /// When its lease lapses if it is not released first, when the store says.
        until: Option<DateTime<Utc>>,
    },
}

/// Storage for snapshots, rule states and the outbox.
#[async_trait]
pub trait Store: Send + Sync {
    /// Reads the last committed states, the unsent outbox, and for each of
    /// `baseline_instants` the newest snapshot taken at or before it.
    async fn load(&self, baseline_instants: &[DateTime<Utc>]) -> Result<Loaded, StoreError>;

    /// Writes a run's snapshot, states and notifications atomically, if no other run has
    /// committed since `load`.
    async fn commit(&self, record: &RunRecord) -> Result<Commit, StoreError>;

    /// Takes the lease on delivering the outbox for `holder` until `until`, unless another
    /// holder's lease lasts beyond `now`, and then reads the unsent outbox. Claiming again
    /// while holding the lease extends it, so `holder` must name one delivery and no other:
    /// two runs under one name would both get in.
    async fn claim_outbox(
        &self,
        holder: &str,
        now: DateTime<Utc>,
        until: DateTime<Utc>,
    ) -> Result<Claim, StoreError>;

    /// Gives the lease up, if `holder` still holds it; otherwise does nothing.
    async fn release_outbox(&self, holder: &str) -> Result<(), StoreError>;

    /// Marks outbox entries as delivered, by [`Notification::id`]. Unknown ids are ignored.
    async fn mark_sent(&self, notification_ids: &[String]) -> Result<(), StoreError>;

    /// Stored snapshots taken at or after `since`, oldest first, at most `limit` of the
    /// newest ones.
    async fn snapshots(
        &self,
        since: Option<DateTime<Utc>>,
        limit: usize,
    ) -> Result<Vec<Snapshot>, StoreError>;
}
