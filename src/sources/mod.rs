//! Metric sources: each turns a JSON document into flat metrics named by dotted path.
//!
//! A source that fails (unreadable, timed out, an HTTP error, a body that is not JSON)
//! does not stop the run: its metrics are missing, and the failure is recorded in the
//! snapshot, where the engine's source-health rule sees it.

mod error;
mod file;
mod flatten;
mod http;

use chrono::{DateTime, Utc};
use futures::future::join_all;
use tracing::{debug, warn};

pub use error::SourceError;
pub use flatten::{FlatMetrics, flatten};

use crate::config::{Config, Source, SourceKind};
use crate::model::{Snapshot, SourceFailure};

/// The largest response body or file a source reads. A larger one is a failure rather
/// than a memory spike: KPI documents are kilobytes, and a Lambda has little memory.
pub const MAX_DOCUMENT_BYTES: usize = 8 * 1024 * 1024;

/// Collects every source of a config concurrently. Built once at start-up: it holds the
/// HTTP client and its connection pool.
#[derive(Debug, Clone)]
pub struct Collector {
    http: reqwest::Client,
}

impl Collector {
    /// Builds the collector. Makes no network call.
    pub fn new() -> Result<Collector, SourceError> {
        Ok(Collector {
            http: http::client()?,
        })
    }

    /// Collects all sources into one snapshot at `at`. Never fails: a failing source is
    /// recorded in [`Snapshot::failures`] instead.
    pub async fn collect(&self, config: &Config, at: DateTime<Utc>, run_id: &str) -> Snapshot {
        let results = join_all(config.sources.iter().map(|s| self.collect_one(s))).await;

        let mut snapshot = Snapshot::new(at, run_id);
        for (source, result) in config.sources.iter().zip(results) {
            match result {
                Ok(flat) => {
                    debug!(
                        source = %source.id,
                        metrics = flat.metrics.len(),
                        skipped = flat.skipped.len(),
                        "source collected"
                    );
                    if !flat.skipped.is_empty() {
                        debug!(
                            source = %source.id,
                            leaves = %flat.skipped.join(", "),
                            "non-numeric leaves skipped"
                        );
                    }
                    snapshot.metrics.extend(flat.metrics);
                }
                Err(error) => {
                    warn!(
                        source = %source.id,
                        error = %error,
                        "source failed; its metrics are missing"
                    );
                    snapshot.failures.push(SourceFailure {
                        source_id: source.id.clone(),
                        error: error.to_string(),
                    });
                }
            }
        }
        snapshot
    }

    async fn collect_one(&self, source: &Source) -> Result<FlatMetrics, SourceError> {
        let document = match &source.kind {
            SourceKind::File { path } => file::read(path).await?,
            SourceKind::Http(http) => http::fetch(&self.http, http).await?,
        };
        Ok(flatten(&document))
    }
}
