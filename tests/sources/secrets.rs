//! `secret:` and `ssm:` header values, read through the real Secrets Manager and SSM clients
//! from moto server, and sent to the loopback HTTP server.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use aws_sdk_ssm::types::ParameterType;
use aws_smithy_runtime_api::box_error::BoxError;
use aws_smithy_runtime_api::client::interceptors::Intercept;
use aws_smithy_runtime_api::client::interceptors::context::{
    BeforeDeserializationInterceptorContextRef, BeforeTransmitInterceptorContextRef,
};
use aws_smithy_runtime_api::client::runtime_components::RuntimeComponents;
use aws_smithy_types::config_bag::ConfigBag;
use kpiwatch::config::{Header, HttpSource, SecretValue, SourceKind};
use kpiwatch::sources::{Collector, SecretResolver};

use crate::support::aws::{
    CallCounter, counted_secret_clients, create_secret, put_parameter, rotate_secret, unique,
};
use crate::support::http_server::{self, Server};
use crate::{collect_with, failure};

const GET_SECRET_VALUE: &str = "Secrets Manager.GetSecretValue";
const GET_PARAMETER: &str = "SSM.GetParameter";

/// The emulator's clients, counted, from which collectors with any cache window are made.
struct Emulator {
    secrets_manager: aws_sdk_secretsmanager::Client,
    ssm: aws_sdk_ssm::Client,
    counter: CallCounter,
}

impl Emulator {
    async fn new() -> Emulator {
        let (secrets_manager, ssm, counter) = counted_secret_clients().await;
        Emulator {
            secrets_manager,
            ssm,
            counter,
        }
    }

    fn collector(&self, max_age: Duration) -> Collector {
        let resolver = SecretResolver::from_clients(self.secrets_manager.clone(), self.ssm.clone())
            .with_max_age(max_age);
        Collector::new().with_secrets(resolver)
    }

    async fn secret(&self, name: &str, text: &str) {
        create_secret(&self.secrets_manager, name, text).await;
    }

    async fn parameter(&self, name: &str, text: &str, kind: ParameterType) {
        put_parameter(&self.ssm, name, text, kind).await;
    }

    fn calls(&self, operation: &str) -> usize {
        self.counter.counts().get(operation).copied().unwrap_or(0)
    }
}

fn secret(id: &str) -> SecretValue {
    SecretValue::SecretsManager {
        secret_id: id.to_string(),
        json_key: None,
    }
}

fn secret_key(id: &str, key: &str) -> SecretValue {
    SecretValue::SecretsManager {
        secret_id: id.to_string(),
        json_key: Some(key.to_string()),
    }
}

fn parameter(name: &str) -> SecretValue {
    SecretValue::SsmParameter {
        name: name.to_string(),
    }
}

fn http(server: &Server, headers: &[(&str, SecretValue)]) -> SourceKind {
    SourceKind::Http(HttpSource {
        url: server.url("/kpis"),
        timeout: Duration::from_secs(5),
        headers: headers
            .iter()
            .map(|(name, value)| Header {
                name: name.to_string(),
                value: value.clone(),
            })
            .collect(),
    })
}

/// The raw request heads the server received, lowercased for header matching.
fn requests(server: &Server) -> Vec<String> {
    let requests = server.requests.lock().unwrap();
    requests.iter().map(|head| head.to_lowercase()).collect()
}

#[tokio::test]
async fn secret_and_parameter_headers_reach_the_server_with_one_read_per_secret() {
    let aws = Emulator::new().await;
    let token = unique("kpiwatch/api");
    let oauth = unique("kpiwatch/oauth");
    let tenant = format!("/{}", unique("kpiwatch/tenant"));
    let region = format!("/{}", unique("kpiwatch/region"));
    // Saved from a file, as `aws secretsmanager create-secret --secret-string file://...`
    // does: the trailing newline is not part of the header.
    aws.secret(&token, "token-a1\n").await;
    aws.secret(
        &oauth,
        r#"{"client_id": "client-7", "client_secret": "s3cr3t-7"}"#,
    )
    .await;
    aws.parameter(&tenant, "tenant-9", ParameterType::SecureString)
        .await;
    aws.parameter(&region, "eu-west-1", ParameterType::String)
        .await;
    let api = http_server::start(http_server::json(r#"{"growth": {"mrr": 48200}}"#));

    let headers = [
        ("Authorization", secret(&token)),
        ("X-Client-Id", secret_key(&oauth, "client_id")),
        ("X-Client-Secret", secret_key(&oauth, "client_secret")),
        ("X-Tenant", parameter(&tenant)),
        ("X-Region", parameter(&region)),
    ];
    let collector = aws.collector(Duration::from_secs(300));
    let snapshot = collect_with(&collector, vec![("billing", http(&api, &headers))]).await;

    assert!(snapshot.failures.is_empty(), "{:?}", snapshot.failures);
    assert_eq!(snapshot.metric("growth.mrr"), Some(48200.0));
    let request = &requests(&api)[0];
    for line in [
        "authorization: token-a1\r\n",
        "x-client-id: client-7\r\n",
        "x-client-secret: s3cr3t-7\r\n",
        "x-tenant: tenant-9\r\n",
        "x-region: eu-west-1\r\n",
    ] {
        assert!(request.contains(line), "{line:?} in {request}");
    }
    // Two keys of one JSON secret cost one read.
    assert_eq!(aws.calls(GET_SECRET_VALUE), 2, "{:?}", aws.counter.counts());
    assert_eq!(aws.calls(GET_PARAMETER), 2, "{:?}", aws.counter.counts());
}

#[tokio::test]
async fn a_missing_secret_fails_only_its_sources_naming_the_header_secret_and_error() {
    let aws = Emulator::new().await;
    let present = unique("kpiwatch/present");
    let json = unique("kpiwatch/json");
    let absent_secret = unique("kpiwatch/absent");
    let absent_parameter = format!("/{}", unique("kpiwatch/absent"));
    aws.secret(&present, "hunter2-present").await;
    aws.secret(&json, r#"{"token": "hunter2-json"}"#).await;
    let billing = http_server::start(http_server::json(r#"{"mrr": 1}"#));
    let ops = http_server::start(http_server::json(r#"{"uptime": 99.9}"#));
    let tenant = http_server::start(http_server::json(r#"{"seats": 3}"#));
    let partner = http_server::start(http_server::json(r#"{"leads": 4}"#));

    let collector = aws.collector(Duration::from_secs(300));
    let snapshot = collect_with(
        &collector,
        vec![
            (
                "billing",
                http(
                    &billing,
                    &[
                        ("X-Key", secret(&present)),
                        ("Authorization", secret(&absent_secret)),
                    ],
                ),
            ),
            ("ops", http(&ops, &[("X-Key", secret(&present))])),
            (
                "tenant",
                http(&tenant, &[("X-Tenant", parameter(&absent_parameter))]),
            ),
            (
                "partner",
                http(&partner, &[("X-Token", secret_key(&json, "api_token"))]),
            ),
        ],
    )
    .await;

    let billing_error = failure(&snapshot, "billing");
    let expected = format!(
        "header Authorization: cannot read Secrets Manager secret `{absent_secret}`: \
         GetSecretValue failed: ResourceNotFoundException"
    );
    assert!(billing_error.starts_with(&expected), "{billing_error}");
    let tenant_error = failure(&snapshot, "tenant");
    let expected = format!(
        "header X-Tenant: cannot read SSM parameter `{absent_parameter}`: GetParameter failed: \
         ParameterNotFound"
    );
    assert!(tenant_error.starts_with(&expected), "{tenant_error}");
    assert_eq!(
        failure(&snapshot, "partner"),
        format!(
            "header X-Token: Secrets Manager secret `{json}` has no key `api_token`; its keys \
             include `token`"
        )
    );
    for error in [billing_error, tenant_error, failure(&snapshot, "partner")] {
        assert!(!error.contains("hunter2"), "{error}");
    }

    // A source whose header cannot be read sends nothing; the others are unaffected.
    assert!(requests(&billing).is_empty());
    assert!(requests(&tenant).is_empty());
    assert!(requests(&partner).is_empty());
    assert_eq!(snapshot.metric("uptime"), Some(99.9));
    assert!(requests(&ops)[0].contains("x-key: hunter2-present\r\n"));
}

#[tokio::test]
async fn a_secret_is_read_once_within_the_cache_window_across_runs() {
    let aws = Emulator::new().await;
    let name = unique("kpiwatch/cached");
    aws.secret(&name, "version-1").await;
    let first = http_server::start(http_server::json(r#"{"a": 1}"#));
    let second = http_server::start(http_server::json(r#"{"b": 2}"#));
    let sources = || {
        vec![
            ("first", http(&first, &[("Authorization", secret(&name))])),
            ("second", http(&second, &[("Authorization", secret(&name))])),
        ]
    };
    let collector = aws.collector(Duration::from_secs(3600));

    let snapshot = collect_with(&collector, sources()).await;
    assert!(snapshot.failures.is_empty(), "{:?}", snapshot.failures);
    assert_eq!(aws.calls(GET_SECRET_VALUE), 1);

    // Rotated in AWS, but the next run is within the window: the cached value is sent.
    rotate_secret(&aws.secrets_manager, &name, "version-2").await;
    let snapshot = collect_with(&collector, sources()).await;
    assert!(snapshot.failures.is_empty(), "{:?}", snapshot.failures);
    assert_eq!(aws.calls(GET_SECRET_VALUE), 1);
    for server in [&first, &second] {
        let requests = requests(server);
        assert_eq!(requests.len(), 2);
        assert!(
            requests
                .iter()
                .all(|r| r.contains("authorization: version-1\r\n"))
        );
    }
}

#[tokio::test]
async fn a_rotated_secret_is_picked_up_once_the_cache_window_has_passed() {
    let aws = Emulator::new().await;
    let name = unique("kpiwatch/rotated");
    aws.secret(&name, "version-1").await;
    let api = http_server::start(http_server::json(r#"{"a": 1}"#));
    let window = Duration::from_millis(300);
    let collector = aws.collector(window);

    collect_with(
        &collector,
        vec![("api", http(&api, &[("X-Key", secret(&name))]))],
    )
    .await;
    rotate_secret(&aws.secrets_manager, &name, "version-2").await;
    tokio::time::sleep(window + Duration::from_millis(100)).await;
    collect_with(
        &collector,
        vec![("api", http(&api, &[("X-Key", secret(&name))]))],
    )
    .await;

    assert_eq!(aws.calls(GET_SECRET_VALUE), 2);
    let requests = requests(&api);
    assert!(
        requests[0].contains("x-key: version-1\r\n"),
        "{}",
        requests[0]
    );
    assert!(
        requests[1].contains("x-key: version-2\r\n"),
        "{}",
        requests[1]
    );
}

/// Counts the requests sent and not yet answered, and the most there were at once.
#[derive(Debug, Clone, Default)]
struct InFlight {
    now: Arc<AtomicUsize>,
    most: Arc<AtomicUsize>,
}

impl Intercept for InFlight {
    fn name(&self) -> &'static str {
        "InFlight"
    }

    fn read_before_transmit(
        &self,
        _context: &BeforeTransmitInterceptorContextRef<'_>,
        _components: &RuntimeComponents,
        _cfg: &mut ConfigBag,
    ) -> Result<(), BoxError> {
        let now = self.now.fetch_add(1, Ordering::SeqCst) + 1;
        self.most.fetch_max(now, Ordering::SeqCst);
        Ok(())
    }

    fn read_before_deserialization(
        &self,
        _context: &BeforeDeserializationInterceptorContextRef<'_>,
        _components: &RuntimeComponents,
        _cfg: &mut ConfigBag,
    ) -> Result<(), BoxError> {
        self.now.fetch_sub(1, Ordering::SeqCst);
        Ok(())
    }
}

#[tokio::test]
async fn distinct_secrets_of_a_run_are_read_concurrently() {
    let aws = Emulator::new().await;
    let names: Vec<String> = (0..3).map(|_| unique("kpiwatch/concurrent")).collect();
    for name in &names {
        aws.secret(name, "value").await;
    }
    let in_flight = InFlight::default();
    let secrets_manager = aws_sdk_secretsmanager::Client::from_conf(
        aws.secrets_manager
            .config()
            .to_builder()
            .interceptor(in_flight.clone())
            .build(),
    );
    let collector = Collector::new().with_secrets(
        SecretResolver::from_clients(secrets_manager, aws.ssm.clone())
            .with_max_age(Duration::from_secs(300)),
    );
    let servers: Vec<Server> = names
        .iter()
        .map(|_| http_server::start(http_server::json(r#"{"a": 1}"#)))
        .collect();
    let sources = ["first", "second", "third"]
        .into_iter()
        .zip(names.iter().zip(&servers))
        .map(|(id, (name, server))| (id, http(server, &[("X-Key", secret(name))])))
        .collect();

    let snapshot = collect_with(&collector, sources).await;

    assert!(snapshot.failures.is_empty(), "{:?}", snapshot.failures);
    assert_eq!(in_flight.most.load(Ordering::SeqCst), 3);
}
