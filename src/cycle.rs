//! One check cycle: load, collect, evaluate, commit, deliver.
//!
//! Both entry points call [`run_cycle`]; they differ only in the store and notifier they
//! lend it. The order of the steps is what makes delivery at-least-once and
//! transitions notified once:
//!
//! 1. `load` the previous states and the unsent outbox. If a run has already committed
//!    this T or a later one (a retried or duplicated invocation), skip to step 5.
//! 2. collect the sources into a snapshot;
//! 3. evaluate the rules, a pure step;
//! 4. `commit` the snapshot, states and new notifications together, guarded by the T seen
//!    in step 1. If another run committed first, its notifications are its own to send; if
//!    its T was earlier than this run's, this run loads again and evaluates its snapshot on
//!    top of it;
//! 5. claim the outbox, a lease that one run at a time can hold, and read it again: what
//!    another run delivered since step 1 is gone from it, and what this run committed is
//!    in it unless another run has delivered it already;
//! 6. deliver it, mark as sent only what the notifier accepted, and release the claim.

use std::collections::BTreeMap;
use std::time::{Duration, Instant};

use chrono::{DateTime, Utc};
use serde::Serialize;
use thiserror::Error;
use tracing::{debug, error, info, warn};

use crate::config::Config;
use crate::engine::{self, Baselines, EvaluationInput};
use crate::model::{Level, Notification, SourceFailure};
use crate::notify::Notifier;
use crate::sources::Collector;
use crate::store::{Claim, Commit, Loaded, RunRecord, Store, StoreError};

/// What a cycle did, for the CLI's exit code, the Lambda's response and the log.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct RunSummary {
    /// This run's id.
    pub run_id: String,
    /// The evaluation time T.
    pub at: DateTime<Utc>,
    /// Why evaluation was skipped, when it was: a run for this T or a later one had
    /// already committed, or another run committed first.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub skipped: Option<String>,
    /// How many sources delivered metrics.
    pub sources_ok: usize,
    /// The sources that failed, with their errors.
    pub source_failures: Vec<SourceFailure>,
    /// How many metrics the snapshot holds.
    pub metrics: usize,
    /// How many rules were evaluated, source-health rules included.
    pub rules_evaluated: usize,
    /// Rules firing after this run, by id, with their level.
    pub firing: Vec<(String, Level)>,
    /// Notifications this run evaluated and committed.
    pub notifications_new: usize,
    /// Notifications the notifier accepted, this run's and earlier unsent ones.
    pub delivered: usize,
    /// Notifications still in the outbox after this run.
    pub undelivered: usize,
    /// Notifications given up after failing for [`OUTBOX_MAX_AGE`]; each is logged at
    /// error level with its id.
    pub abandoned: usize,
}

impl RunSummary {
    /// Did the run leave work undone, or give some up? Either way the invocation should
    /// fail: a retry delivers what is left, and an abandoned notification must show in the
    /// function's error metric, not only in its log.
    pub fn left_work_undone(&self) -> bool {
        self.undelivered > 0 || self.abandoned > 0
    }

    /// The worst level among the rules firing after this run.
    pub fn worst_firing_level(&self) -> Option<Level> {
        self.firing.iter().map(|(_, level)| *level).max()
    }
}

/// How long a notification the notifier keeps refusing stays in the outbox. A topic that
/// was deleted or a permission that was revoked would otherwise fail every run after it
/// for ever; after a day of runs the notification is logged at error level with its id and
/// given up. Its transition is still in the rule's stored state.
pub const OUTBOX_MAX_AGE: Duration = Duration::from_secs(24 * 3600);

/// How long a claim on the outbox lasts unless released: longer than a delivery can take
/// (the function's timeout is 60 seconds), so that a run that dies mid-delivery blocks the
/// outbox for at most this long. Its notifications are then delivered by the next run that
/// claims, which may send again what the dead run sent and had not marked.
pub const DELIVERY_LEASE: Duration = Duration::from_secs(120);

/// How long a run waits for another run's claim on the outbox before it leaves the outbox
/// to that run and reports it undelivered. Another run's delivery usually takes well under
/// a second, one PublishBatch call per ten notifications.
pub const CLAIM_WAIT: Duration = Duration::from_secs(5);

/// How often a waiting run tries the claim again.
const CLAIM_POLL: Duration = Duration::from_millis(200);

/// Why a cycle could not complete. Everything else (failing sources, notifications the
/// notifier refused) is reported in the [`RunSummary`] instead.
#[derive(Debug, Error)]
pub enum CycleError {
    /// The store could not be read or written, so nothing this run evaluated is durable.
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// Runs one cycle at evaluation time `at`.
pub async fn run_cycle(
    config: &Config,
    collector: &Collector,
    store: &dyn Store,
    notifier: &dyn Notifier,
    at: DateTime<Utc>,
    run_id: &str,
) -> Result<RunSummary, CycleError> {
    let offsets = engine::baseline_offsets(&config.rules);
    let instants: Vec<DateTime<Utc>> = offsets.iter().map(|vs| baseline_instant(at, *vs)).collect();
    let loaded = store.load(&instants).await?;

    let mut summary = RunSummary {
        run_id: run_id.to_string(),
        at,
        skipped: None,
        sources_ok: 0,
        source_failures: Vec::new(),
        metrics: 0,
        rules_evaluated: 0,
        firing: firing(&loaded.states),
        notifications_new: 0,
        delivered: 0,
        undelivered: 0,
        abandoned: 0,
    };
    let outbox = match loaded.last_evaluated_at {
        Some(last) if last >= at => {
            summary.skipped = Some(format!("already evaluated at {}", rfc3339(last)));
            info!(last_evaluated_at = %last, "evaluation skipped, delivering the outbox only");
            loaded.outbox
        }
        _ => {
            let snapshot = collector.collect(config, at, run_id).await;
            summary.sources_ok = config.sources.len() - snapshot.failures.len();
            summary.source_failures = snapshot.failures.clone();
            summary.metrics = snapshot.metrics.len();
            let baselines_at = BaselineInstants {
                offsets: &offsets,
                instants: &instants,
            };
            evaluate_and_commit(config, store, snapshot, loaded, baselines_at, &mut summary).await?
        }
    };

    if !outbox.is_empty() {
        claim_and_deliver(store, notifier, outbox.len(), &mut summary).await;
    }
    Ok(summary)
}

/// How many times a run evaluates its snapshot again after a run for an earlier T committed
/// while it was collecting. More than one is a run overtaken again and again, which a
/// schedule does not produce; it then gives way rather than hold the store.
const COMMIT_ATTEMPTS: usize = 3;

/// The `change` offsets of the config, and the instants whose snapshots are their baselines
/// at this run's T, in the same order.
#[derive(Clone, Copy)]
struct BaselineInstants<'a> {
    offsets: &'a [Duration],
    instants: &'a [DateTime<Utc>],
}

/// Evaluates the snapshot against what was loaded and commits both, and returns the outbox
/// to deliver.
///
/// When another run commits first, what happens depends on its T. For this T or a later
/// one, this run's evaluation is stale and dropped, and the other run owns the
/// notifications. For an earlier T (two `kpiwatch run` started a moment apart, or a slow
/// Lambda invocation overtaken by the next one), dropping it would lose this T's snapshot
/// and its transitions until the next run, so the snapshot, already collected, is
/// evaluated again on top of the other run's states.
async fn evaluate_and_commit(
    config: &Config,
    store: &dyn Store,
    snapshot: crate::model::Snapshot,
    mut loaded: Loaded,
    baselines_at: BaselineInstants<'_>,
    summary: &mut RunSummary,
) -> Result<Vec<Notification>, CycleError> {
    let at = summary.at;
    for attempt in 1..=COMMIT_ATTEMPTS {
        let baselines: Baselines = baselines_at
            .offsets
            .iter()
            .zip(loaded.baselines)
            .filter_map(|(vs, snapshot)| snapshot.map(|s| (*vs, s)))
            .collect();
        let evaluation = engine::evaluate(EvaluationInput {
            config,
            snapshot: &snapshot,
            baselines: &baselines,
            states: loaded.states,
            at,
        });
        summary.rules_evaluated = evaluation.states.len();

        let record = RunRecord {
            snapshot: snapshot.clone(),
            states: evaluation.states,
            notifications: evaluation.notifications,
            expected_last_evaluated_at: loaded.last_evaluated_at,
            retention: config.retention,
        };
        if store.commit(&record).await? == Commit::Committed {
            summary.firing = firing(&record.states);
            summary.notifications_new = record.notifications.len();
            let mut outbox = loaded.outbox;
            outbox.extend(record.notifications);
            return Ok(outbox);
        }

        loaded = store.load(baselines_at.instants).await?;
        // The states loaded before the race are from before it; the winner's are what is
        // firing now, and what an exit code or a summary must report.
        summary.firing = firing(&loaded.states);
        match loaded.last_evaluated_at {
            Some(last) if last == at => {
                summary.skipped = Some("another run committed this evaluation first".into());
            }
            Some(last) if last > at => {
                summary.skipped = Some(format!(
                    "a run for a later T, {}, committed first",
                    rfc3339(last)
                ));
            }
            last => {
                debug!(
                    ?last,
                    attempt, "a run for an earlier T committed first; evaluating again"
                );
                continue;
            }
        }
        warn!("another run committed first; its notifications are its own to send");
        return Ok(loaded.outbox);
    }
    summary.skipped = Some(format!(
        "other runs committed first {COMMIT_ATTEMPTS} times in a row"
    ));
    warn!(
        attempts = COMMIT_ATTEMPTS,
        "other runs kept committing first; evaluation dropped"
    );
    Ok(loaded.outbox)
}

fn rfc3339(at: DateTime<Utc>) -> String {
    at.to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
}

/// Claims the outbox, delivers what it holds then, and releases the claim. While another run
/// holds the claim, it tries again for up to [`CLAIM_WAIT`]; after that, the `known`
/// notifications this run saw are reported undelivered, for a retry to find delivered or
/// deliver. A store failure here is reported the same way: what was committed stays in the
/// outbox, and the claim, which the failed call may have taken, is given back.
async fn claim_and_deliver(
    store: &dyn Store,
    notifier: &dyn Notifier,
    known: usize,
    summary: &mut RunSummary,
) {
    let holder = lease_holder(&summary.run_id);
    let give_up_at = Instant::now() + CLAIM_WAIT;
    let outbox = loop {
        let now = Utc::now();
        let until = now + chrono::Duration::from_std(DELIVERY_LEASE).unwrap_or_default();
        match store.claim_outbox(&holder, now, until).await {
            Ok(Claim::Claimed(outbox)) => break outbox,
            Ok(Claim::Held {
                holder: other,
                until,
            }) if Instant::now() < give_up_at => {
                debug!(holder = %other, ?until, "another run is delivering the outbox; waiting");
                tokio::time::sleep(CLAIM_POLL).await;
            }
            Ok(Claim::Held {
                holder: other,
                until,
            }) => {
                warn!(
                    holder = %other,
                    ?until,
                    "another run is still delivering the outbox; left to it"
                );
                summary.undelivered = known;
                return;
            }
            Err(error) => {
                warn!(%error, "the outbox could not be claimed; it stays for the next run");
                summary.undelivered = known;
                // The claim may have been taken all the same, its reply lost after the write,
                // or the outbox not read after it. Held, it would turn every run away for the
                // whole lease, Lambda's retries of this one included.
                release(store, &holder).await;
                return;
            }
        }
    };
    deliver(store, notifier, &outbox, summary).await;
    release(store, &holder).await;
}

/// Gives the claim up; one not given up lapses after [`DELIVERY_LEASE`].
async fn release(store: &dyn Store, holder: &str) {
    if let Err(error) = store.release_outbox(holder).await {
        warn!(%error, "the outbox claim was not released; it lapses by itself");
    }
}

/// The name this cycle holds the outbox lease under: the run id and a random suffix.
///
/// The run id alone would not do. The Lambda derives it from T, so that a retried or
/// duplicated invocation writes the same notifications; two such invocations would then
/// share a holder, and the lease, which lets its holder claim again, would let both deliver.
/// The suffix makes every cycle a holder of its own, whoever chose the run id.
fn lease_holder(run_id: &str) -> String {
    format!("{run_id}#{:016x}", fastrand::u64(..))
}

/// Sends the outbox and marks what was accepted, and what has failed for longer than
/// [`OUTBOX_MAX_AGE`], as sent. A failure to mark is logged, not fatal: the notifications
/// were delivered, and the next run would send them again, which at-least-once delivery
/// allows.
async fn deliver(
    store: &dyn Store,
    notifier: &dyn Notifier,
    outbox: &[Notification],
    summary: &mut RunSummary,
) {
    if outbox.is_empty() {
        return;
    }
    let delivery = notifier.deliver(outbox).await;

    let too_old = |n: &Notification| {
        (summary.at - n.at)
            .to_std()
            .is_ok_and(|age| age > OUTBOX_MAX_AGE)
    };
    let mut abandoned = Vec::new();
    // Refusals come in runs with one cause (a closed pipe, a missing topic): one warning per
    // cause, not one per notification.
    let mut kept: BTreeMap<&str, Vec<&str>> = BTreeMap::new();
    for (id, error) in &delivery.failed {
        match outbox.iter().find(|n| &n.id == id).filter(|n| too_old(n)) {
            Some(_) => {
                error!(
                    notification = %id,
                    error = %error,
                    "notification refused for over a day; given up"
                );
                abandoned.push(id.clone());
            }
            None => kept.entry(error).or_default().push(id),
        }
    }
    for (error, ids) in &kept {
        warn!(
            count = ids.len(),
            first = %ids[0],
            error = %error,
            "notifications not accepted; kept in the outbox"
        );
        debug!(notifications = ?ids, "kept in the outbox");
    }
    summary.delivered = delivery.accepted.len();
    summary.abandoned = abandoned.len();
    summary.undelivered = outbox.len() - delivery.accepted.len() - abandoned.len();

    let done: Vec<String> = delivery.accepted.into_iter().chain(abandoned).collect();
    if done.is_empty() {
        return;
    }
    if let Err(error) = store.mark_sent(&done).await {
        warn!(%error, "delivered notifications not marked as sent; they may be sent again");
        summary.undelivered = outbox.len();
        summary.abandoned = 0;
    }
}

fn firing(states: &engine::RuleStates) -> Vec<(String, Level)> {
    states
        .iter()
        .filter_map(|(id, state)| state.state.firing_level().map(|level| (id.clone(), level)))
        .collect()
}

/// The instant whose snapshot a `change` rule with offset `vs` compares against at `at`:
/// the stored snapshot nearest at or before it is the baseline.
pub fn baseline_instant(at: DateTime<Utc>, vs: Duration) -> DateTime<Utc> {
    chrono::Duration::from_std(vs)
        .ok()
        .and_then(|offset| at.checked_sub_signed(offset))
        .unwrap_or(DateTime::<Utc>::MIN_UTC)
}
