//! Metric sources: each turns a JSON document into flat metrics named by dotted path.
//!
//! A source that fails (unreadable, timed out, an HTTP error, a body that is not JSON)
//! does not stop the run: its metrics are missing, and the failure is recorded in the
//! snapshot, where the engine's source-health rule sees it.
//!
//! HTTP header values may be kept in AWS Secrets Manager or SSM Parameter Store: a
//! [`SecretResolver`] reads them when a run first needs them, and keeps them for
//! [`SECRET_MAX_AGE`].

mod document;
mod error;
mod file;
mod flatten;
mod http;
mod secrets;

use std::collections::btree_map::Entry;
use std::sync::{Arc, OnceLock};

use chrono::{DateTime, Utc};
use futures::future::join_all;
use tracing::{debug, warn};

pub use document::parse_document;
pub use error::SourceError;
pub use flatten::{FlatMetrics, flatten};
pub use secrets::{SECRET_MAX_AGE, SecretError, SecretResolver};

use crate::config::{Config, Source, SourceKind};
use crate::model::{Snapshot, SourceFailure};
use secrets::RunSecrets;

/// The largest response body or file a source reads. A larger one is a failure rather
/// than a memory spike: KPI documents are kilobytes, and a Lambda has little memory.
pub const MAX_DOCUMENT_BYTES: usize = 8 * 1024 * 1024;

/// Collects every source of a config concurrently. Built once at start-up: it holds the
/// HTTP client and its connection pool, and the secrets read for headers with their cache.
/// Clones share both.
///
/// The HTTP client is built on the first HTTP source, not at start-up: building it loads
/// the system's trust store, which took as long as the rest of the Lambda's start-up
/// together, and a config of file sources never needs it.
#[derive(Debug, Clone, Default)]
pub struct Collector {
    http: Arc<OnceLock<reqwest::Client>>,
    secrets: Arc<SecretResolver>,
}

impl Collector {
    /// Builds the collector. Makes no network call. `secret:` and `ssm:` headers are read
    /// with the standard AWS configuration, loaded when the first one is needed, so a config
    /// without them needs no AWS credentials.
    pub fn new() -> Collector {
        Collector::default()
    }

    /// Reads `secret:` and `ssm:` headers with `secrets` instead.
    pub fn with_secrets(self, secrets: SecretResolver) -> Collector {
        Collector {
            secrets: Arc::new(secrets),
            ..self
        }
    }

    /// Collects all sources into one snapshot at `at`. Never fails: a failing source is
    /// recorded in [`Snapshot::failures`] instead.
    pub async fn collect(&self, config: &Config, at: DateTime<Utc>, run_id: &str) -> Snapshot {
        let secrets = RunSecrets::new(&self.secrets, config);
        let results = join_all(
            config
                .sources
                .iter()
                .map(|source| self.collect_one(source, &secrets)),
        )
        .await;

        let mut snapshot = Snapshot::new(at, run_id);
        let mut named_before = Vec::new();
        for (source, result) in config.sources.iter().zip(results) {
            match result {
                Ok(flat) => {
                    log_collected(&source.id, &flat);
                    for (name, value) in flat.metrics {
                        match snapshot.metrics.entry(name) {
                            Entry::Occupied(taken) => named_before.push(taken.key().clone()),
                            Entry::Vacant(free) => {
                                free.insert(value);
                            }
                        }
                    }
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
        if !named_before.is_empty() {
            warn!(
                count = named_before.len(),
                metrics = %sample(&named_before),
                "metrics named by more than one source; the first source in the config keeps each"
            );
        }
        snapshot
    }

    fn http_client(&self) -> Result<&reqwest::Client, SourceError> {
        if let Some(client) = self.http.get() {
            return Ok(client);
        }
        let client = http::client()?;
        Ok(self.http.get_or_init(|| client))
    }

    async fn collect_one(
        &self,
        source: &Source,
        secrets: &RunSecrets<'_>,
    ) -> Result<FlatMetrics, SourceError> {
        let bytes = match &source.kind {
            SourceKind::File { path } => file::read(path).await?,
            SourceKind::Http(http) => http::fetch(self.http_client()?, http, secrets).await?,
        };
        parse_document(&bytes)
    }
}

fn log_collected(source_id: &str, flat: &FlatMetrics) {
    debug!(
        source = %source_id,
        metrics = flat.metrics.len(),
        skipped = flat.skipped.len(),
        "source collected"
    );
    if !flat.skipped.is_empty() {
        debug!(
            source = %source_id,
            leaves = %flat.skipped.join(", "),
            "non-numeric leaves skipped"
        );
    }
    if !flat.duplicates.is_empty() {
        warn!(
            source = %source_id,
            count = flat.duplicates.len(),
            metrics = %sample(&flat.duplicates),
            "leaves of one document flatten to the same name; the first met keeps it"
        );
    }
}

/// Up to five names, and how many more: enough to find the problem without flooding a log
/// line when a whole document collides.
fn sample(names: &[String]) -> String {
    const SHOWN: usize = 5;
    let mut text = names
        .iter()
        .take(SHOWN)
        .map(String::as_str)
        .collect::<Vec<_>>()
        .join(", ");
    if names.len() > SHOWN {
        text.push_str(&format!(" and {} more", names.len() - SHOWN));
    }
    text
}
