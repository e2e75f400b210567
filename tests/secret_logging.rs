//! No secret value reaches a log line, at any level, whether its read succeeds, its JSON
//! key is missing or the server refuses the request: every line of a collect is captured at
//! TRACE, the SDK's and the HTTP client's included.
//!
//! A test binary of its own because `tracing` decides once per call site whether anyone
//! listens: a test running in parallel that reaches a call site first, before this test's
//! subscriber is set, can make that decision "no one", and the capture would then miss the
//! line.

mod support;

use std::io::Write;
use std::path::PathBuf;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use aws_sdk_ssm::types::ParameterType;
use chrono::{TimeZone, Utc};
use kpiwatch::config::{Config, Header, HttpSource, SecretValue, Source, SourceHealth, SourceKind};
use kpiwatch::sources::{Collector, SecretResolver};
use support::aws::{counted_secret_clients, create_secret, put_parameter, unique};
use support::http_server::{self, Behaviour, Server};
use tracing_subscriber::fmt::MakeWriter;

fn source(id: &str, server: &Server, headers: &[(&str, SecretValue)]) -> Source {
    Source {
        id: id.to_string(),
        kind: SourceKind::Http(HttpSource {
            url: server.url("/kpis"),
            timeout: Duration::from_secs(5),
            headers: headers
                .iter()
                .map(|(name, value)| Header {
                    name: name.to_string(),
                    value: value.clone(),
                })
                .collect(),
        }),
    }
}

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

fn secret(id: &str, json_key: Option<&str>) -> SecretValue {
    SecretValue::SecretsManager {
        secret_id: id.to_string(),
        json_key: json_key.map(str::to_string),
    }
}

/// Log lines, captured from every level.
#[derive(Clone, Default)]
struct Captured(Arc<Mutex<Vec<u8>>>);

impl Captured {
    fn text(&self) -> String {
        String::from_utf8_lossy(&self.0.lock().unwrap()).into_owned()
    }
}

impl Write for Captured {
    fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(bytes);
        Ok(bytes.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

impl<'a> MakeWriter<'a> for Captured {
    type Writer = Captured;

    fn make_writer(&'a self) -> Captured {
        self.clone()
    }
}

#[tokio::test]
async fn no_secret_value_reaches_a_log_line_even_at_trace() {
    let (secrets_manager, ssm, _) = counted_secret_clients().await;
    let plain = unique("kpiwatch/logged");
    let json = unique("kpiwatch/logged-json");
    let tenant = format!("/{}", unique("kpiwatch/logged"));
    create_secret(&secrets_manager, &plain, "hunter2-plain").await;
    create_secret(&secrets_manager, &json, r#"{"token": "hunter2-json"}"#).await;
    put_parameter(&ssm, &tenant, "hunter2-ssm", ParameterType::SecureString).await;
    let api = http_server::start(http_server::json(r#"{"a": 1}"#));
    let refused = http_server::start(Behaviour::Respond {
        status: "401 Unauthorized",
        content_type: "application/json",
        body: br#"{"error": "bad token"}"#.to_vec(),
    });
    let plain = ("Authorization", secret(&plain, None));
    let token = ("X-Token", secret(&json, Some("token")));
    let missing = ("X-Missing", secret(&json, Some("missing")));
    let tenant = (
        "X-Tenant",
        SecretValue::SsmParameter {
            name: tenant.clone(),
        },
    );
    let config = config(vec![
        source("api", &api, &[plain.clone(), token.clone(), tenant.clone()]),
        source("missing", &api, &[tenant.clone(), missing]),
        source("refused", &refused, &[plain, token, tenant]),
    ]);
    let collector =
        Collector::new().with_secrets(SecretResolver::from_clients(secrets_manager, ssm));
    let at = Utc.with_ymd_and_hms(2026, 12, 3, 10, 0, 0).unwrap();

    let captured = Captured::default();
    let subscriber = tracing_subscriber::fmt()
        .with_max_level(tracing::Level::TRACE)
        .with_ansi(false)
        .with_writer(captured.clone())
        .finish();
    let snapshot = {
        let _guard = tracing::subscriber::set_default(subscriber);
        collector.collect(&config, at, "run-1").await
    };

    assert_eq!(snapshot.failures.len(), 2, "{:?}", snapshot.failures);
    assert!(api.requests.lock().unwrap()[0].contains("hunter2-plain"));
    let logs = captured.text();
    // The capture saw the reads, the SDK's own trace lines and the failures...
    assert!(logs.contains("secret read from AWS"), "{logs}");
    assert!(logs.contains(" TRACE "), "{logs}");
    assert!(logs.contains("source failed"), "{logs}");
    // ... and none of the values.
    assert!(!logs.contains("hunter2"), "{logs}");
}
