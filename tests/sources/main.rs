//! Sources against real inputs: JSON files on disk, a real HTTP server on loopback that
//! answers the way real APIs and proxies do, including not at all, and header values kept in
//! Secrets Manager and SSM, read through the real SDK from moto server.

mod file;
mod http;
mod secrets;
#[path = "../support/mod.rs"]
mod support;

use std::path::PathBuf;
use std::time::Duration;

use chrono::{TimeZone, Utc};
use kpiwatch::config::{Config, Source, SourceHealth, SourceKind};
use kpiwatch::model::Snapshot;
use kpiwatch::sources::Collector;

fn config(sources: Vec<Source>) -> Config {
    Config {
        path: PathBuf::from("kpiwatch.yaml"),
        sources,
        rules: Vec::new(),
        silences: Vec::new(),
        source_health: SourceHealth::default(),
        retention: Duration::from_secs(30 * 86_400),
    }
}

async fn collect(kinds: Vec<(&str, SourceKind)>) -> Snapshot {
    collect_with(&Collector::new(), kinds).await
}

async fn collect_with(collector: &Collector, kinds: Vec<(&str, SourceKind)>) -> Snapshot {
    let sources = kinds
        .into_iter()
        .map(|(id, kind)| Source {
            id: id.to_string(),
            kind,
        })
        .collect();
    let at = Utc.with_ymd_and_hms(2026, 12, 3, 10, 0, 0).unwrap();
    collector.collect(&config(sources), at, "run-1").await
}

fn failure(snapshot: &Snapshot, source: &str) -> String {
    snapshot
        .failure_of(source)
        .unwrap_or_else(|| panic!("{source} should have failed: {snapshot:?}"))
        .error
        .clone()
}
