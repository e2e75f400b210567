//! The stand-in for an unreliable AWS, and why it is one.
//!
//! moto answers every request it can, at once and correctly: it never throttles, never fails
//! with a 5xx and never drops a connection. So the faults are injected between the real SDK
//! clients and moto, by an [`HttpClient`] that wraps the production one and, for a seeded
//! random share of requests, answers in moto's place:
//!
//! - [`Fault::Throttling`]: HTTP 400 with the service's throttling error, as DynamoDB
//!   (`ThrottlingException`, `ProvisionedThroughputExceededException`) and SNS (`Throttling`)
//!   send it;
//! - [`Fault::ServerError`]: HTTP 500 or 503 with the service's error body;
//! - [`Fault::ResetBeforeArrival`]: the connection is reset before the request reaches the
//!   service, which therefore did nothing;
//! - [`Fault::ReplyLost`]: the request is forwarded to moto, which applies it, and then the
//!   connection is reset before the reply arrives. The client cannot tell this from the
//!   previous case, and its retry repeats a write that already happened.
//!
//! Everything above the HTTP client is real: signing, serialisation, the SDK's retry
//! classification, backoff and quota, and kpiwatch's own error classification and retries.
//!
//! Faults are either random ([`FaultyHttpClient::random`]), drawn from one seeded generator
//! in request order, so that a run with the same seed injects the same faults as long as the
//! same requests are made in the same order; or scripted ([`FaultyHttpClient::scripted`]),
//! given in order for the requests of one operation, for tests of one failure.

#![allow(dead_code)]

use std::collections::{BTreeMap, VecDeque};
use std::fmt::{self, Write};
use std::sync::{Arc, Mutex};

use std::time::Duration;

use aws_config::SdkConfig;
use aws_smithy_runtime_api::client::http::{
    HttpClient, HttpConnector, HttpConnectorFuture, HttpConnectorSettings, SharedHttpClient,
    SharedHttpConnector,
};
use aws_smithy_runtime_api::client::orchestrator::{HttpRequest, HttpResponse};
use aws_smithy_runtime_api::client::result::ConnectorError;
use aws_smithy_runtime_api::client::runtime_components::RuntimeComponents;
use aws_smithy_runtime_api::http::StatusCode;
use kpiwatch::aws::{LazyHttpsClient, retry_config};

/// One kind of injected failure.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Fault {
    Throttling,
    ServerError,
    ResetBeforeArrival,
    ReplyLost,
}

impl Fault {
    pub const ALL: [Fault; 4] = [
        Fault::Throttling,
        Fault::ServerError,
        Fault::ResetBeforeArrival,
        Fault::ReplyLost,
    ];
}

impl fmt::Display for Fault {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Fault::Throttling => "throttling",
            Fault::ServerError => "5xx",
            Fault::ResetBeforeArrival => "reset before arrival",
            Fault::ReplyLost => "reply lost after the service applied it",
        })
    }
}

/// How often each kind of fault is injected, as a share of all requests.
#[derive(Debug, Clone, Copy)]
pub struct FaultMix {
    /// The share of requests that fail, whatever the kind.
    pub rate: f64,
    /// The relative weight of each kind among the failures, in [`Fault::ALL`] order.
    pub weights: [u32; 4],
}

impl FaultMix {
    fn pick(&self, rng: &mut fastrand::Rng) -> Option<Fault> {
        if rng.f64() >= self.rate {
            return None;
        }
        let mut draw = rng.u32(0..self.weights.iter().sum::<u32>());
        for (fault, weight) in Fault::ALL.iter().zip(self.weights) {
            if draw < weight {
                return Some(*fault);
            }
            draw -= weight;
        }
        unreachable!("the draw is below the sum of the weights")
    }
}

/// What was injected so far.
#[derive(Debug, Clone, Default)]
pub struct FaultLog {
    /// Requests seen, by `Service.Operation`.
    pub requests: BTreeMap<String, usize>,
    /// Faults injected, by `Service.Operation` and kind.
    pub faults: BTreeMap<(String, Fault), usize>,
    /// Entries of `PublishBatch` requests that SNS accepted but whose reply was lost: each
    /// is published once more by whichever retry follows, a duplicate that no SNS client
    /// can avoid, since SNS has no idempotent publish.
    pub lost_publish_entries: usize,
}

impl FaultLog {
    pub fn total_requests(&self) -> usize {
        self.requests.values().sum()
    }

    pub fn total_faults(&self) -> usize {
        self.faults.values().sum()
    }

    pub fn faults_of(&self, kind: Fault) -> usize {
        self.faults
            .iter()
            .filter(|((_, fault), _)| *fault == kind)
            .map(|(_, count)| count)
            .sum()
    }

    /// A table of requests and faults by operation, for the test's report.
    pub fn table(&self) -> String {
        let mut text = format!(
            "{:<30} {:>8} {:>8} {:>10} {:>5} {:>7} {:>10}\n",
            "operation", "requests", "faults", "throttling", "5xx", "reset", "reply lost"
        );
        for (operation, requests) in &self.requests {
            let count = |kind| {
                self.faults
                    .get(&(operation.clone(), kind))
                    .copied()
                    .unwrap_or(0)
            };
            let faults: usize = Fault::ALL.into_iter().map(count).sum();
            writeln!(
                text,
                "{operation:<30} {requests:>8} {faults:>8} {:>10} {:>5} {:>7} {:>10}",
                count(Fault::Throttling),
                count(Fault::ServerError),
                count(Fault::ResetBeforeArrival),
                count(Fault::ReplyLost),
            )
            .unwrap();
        }
        text
    }
}

/// An [`HttpClient`] that injects faults into the requests of the clients built with it.
#[derive(Debug, Clone)]
pub struct FaultyHttpClient {
    inner: SharedHttpClient,
    injector: Arc<Injector>,
}

#[derive(Debug)]
struct Injector {
    plan: Mutex<Plan>,
    /// Draws the faults of a random plan and the variant of every fault.
    rng: Mutex<fastrand::Rng>,
    log: Mutex<FaultLog>,
}

#[derive(Debug)]
enum Plan {
    Random(FaultMix),
    /// The faults still to inject, by `Service.Operation`, in order.
    Scripted(BTreeMap<String, VecDeque<Fault>>),
}

impl Injector {
    fn next_fault(&self, operation: &str) -> Option<Fault> {
        match &mut *self.plan.lock().unwrap() {
            Plan::Random(mix) => mix.pick(&mut self.rng.lock().unwrap()),
            Plan::Scripted(script) => script.get_mut(operation)?.pop_front(),
        }
    }

    /// A coin flip from the seeded generator, for the variant of a fault.
    fn coin(&self) -> bool {
        self.rng.lock().unwrap().bool()
    }
}

impl FaultyHttpClient {
    /// Wraps the production client, injecting faults as `mix` says, drawn from a generator
    /// seeded with `seed`.
    pub fn random(mix: FaultMix, seed: u64) -> FaultyHttpClient {
        FaultyHttpClient::with_plan(Plan::Random(mix), seed)
    }

    /// Wraps the production client, failing the first requests of each operation named
    /// (`DynamoDB.UpdateItem`, `SNS.PublishBatch`) with the faults given, in order.
    pub fn scripted(script: &[(&str, &[Fault])]) -> FaultyHttpClient {
        let script = script
            .iter()
            .map(|(operation, faults)| (operation.to_string(), faults.iter().copied().collect()))
            .collect();
        FaultyHttpClient::with_plan(Plan::Scripted(script), 0)
    }

    fn with_plan(plan: Plan, seed: u64) -> FaultyHttpClient {
        FaultyHttpClient {
            inner: SharedHttpClient::new(LazyHttpsClient::default()),
            injector: Arc::new(Injector {
                plan: Mutex::new(plan),
                rng: Mutex::new(fastrand::Rng::with_seed(seed)),
                log: Mutex::default(),
            }),
        }
    }

    /// What was injected so far.
    pub fn log(&self) -> FaultLog {
        self.injector.log.lock().unwrap().clone()
    }

    /// `clean` with this client and the production retries, their first backoff shortened
    /// from the SDK's second to [`TEST_INITIAL_BACKOFF`].
    pub fn sdk_config(&self, clean: &SdkConfig) -> SdkConfig {
        clean
            .to_builder()
            .http_client(self.clone())
            .retry_config(retry_config().with_initial_backoff(TEST_INITIAL_BACKOFF))
            .build()
    }
}

/// The SDK's initial backoff in these tests. Its one second would make a hundred runs wait
/// minutes; the retries themselves, their number and their jitter, are the production ones.
pub const TEST_INITIAL_BACKOFF: Duration = Duration::from_millis(5);

impl HttpClient for FaultyHttpClient {
    fn http_connector(
        &self,
        settings: &HttpConnectorSettings,
        components: &RuntimeComponents,
    ) -> SharedHttpConnector {
        SharedHttpConnector::new(FaultyConnector {
            inner: self.inner.http_connector(settings, components),
            injector: Arc::clone(&self.injector),
        })
    }
}

#[derive(Debug)]
struct FaultyConnector {
    inner: SharedHttpConnector,
    injector: Arc<Injector>,
}

impl HttpConnector for FaultyConnector {
    fn call(&self, request: HttpRequest) -> HttpConnectorFuture {
        let call = Call::read(&request);
        let fault = self.injector.next_fault(&call.operation());
        {
            let mut log = self.injector.log.lock().unwrap();
            *log.requests.entry(call.operation()).or_default() += 1;
            if let Some(fault) = fault {
                *log.faults.entry((call.operation(), fault)).or_default() += 1;
            }
        }

        match fault {
            None => self.inner.call(request),
            Some(Fault::Throttling) => {
                let throttled = if self.injector.coin() {
                    "ThrottlingException"
                } else {
                    "ProvisionedThroughputExceededException"
                };
                HttpConnectorFuture::ready(Ok(call.protocol.error(400, throttled, "Throttling")))
            }
            Some(Fault::ServerError) => {
                let response = if self.injector.coin() {
                    call.protocol
                        .error(500, "InternalServerError", "InternalError")
                } else {
                    call.protocol
                        .error(503, "ServiceUnavailable", "ServiceUnavailable")
                };
                HttpConnectorFuture::ready(Ok(response))
            }
            Some(Fault::ResetBeforeArrival) => HttpConnectorFuture::ready(Err(reset())),
            Some(Fault::ReplyLost) => {
                let inner = self.inner.clone();
                let injector = Arc::clone(&self.injector);
                HttpConnectorFuture::new(async move {
                    let applied = inner.call(request).await?;
                    if applied.status().is_success() && call.operation() == "SNS.PublishBatch" {
                        injector.log.lock().unwrap().lost_publish_entries += call.batch_entries;
                    }
                    Err(reset())
                })
            }
        }
    }
}

fn reset() -> ConnectorError {
    ConnectorError::io(Box::new(std::io::Error::new(
        std::io::ErrorKind::ConnectionReset,
        "connection reset by peer (injected)",
    )))
}

/// The wire protocol of a request, which decides what an error reply looks like.
#[derive(Debug, Clone, Copy)]
enum Protocol {
    /// DynamoDB's JSON protocol: the operation in `x-amz-target`, errors as `__type`.
    Json,
    /// SNS's query protocol: the operation in the form's `Action`, errors as XML.
    Query,
}

impl Protocol {
    /// An error reply with `json_code` or `query_code`, whichever the protocol uses.
    fn error(self, status: u16, json_code: &str, query_code: &str) -> HttpResponse {
        let (content_type, body) = match self {
            Protocol::Json => (
                "application/x-amz-json-1.0",
                serde_json::json!({
                    "__type": format!("com.amazonaws.dynamodb.v20120810#{json_code}"),
                    "message": "injected by the test",
                })
                .to_string(),
            ),
            Protocol::Query => {
                let party = if status >= 500 { "Receiver" } else { "Sender" };
                (
                    "text/xml",
                    format!(
                        "<ErrorResponse xmlns=\"http://sns.amazonaws.com/doc/2010-03-31/\">\
                         <Error><Type>{party}</Type><Code>{query_code}</Code>\
                         <Message>injected by the test</Message></Error>\
                         <RequestId>injected-fault</RequestId></ErrorResponse>"
                    ),
                )
            }
        };
        let mut response = HttpResponse::new(StatusCode::try_from(status).unwrap(), body.into());
        response.headers_mut().insert("content-type", content_type);
        response
            .headers_mut()
            .insert("x-amzn-requestid", "injected-fault");
        response
    }
}

/// What the injector needs to know of a request.
#[derive(Debug, Clone)]
struct Call {
    protocol: Protocol,
    service: &'static str,
    name: String,
    /// The entries of a `PublishBatch`.
    batch_entries: usize,
}

impl Call {
    fn read(request: &HttpRequest) -> Call {
        if let Some(target) = request.headers().get("x-amz-target") {
            let name = target.rsplit('.').next().unwrap_or(target).to_string();
            return Call {
                protocol: Protocol::Json,
                service: "DynamoDB",
                name,
                batch_entries: 0,
            };
        }
        let form = request.body().bytes().unwrap_or_default();
        let fields: Vec<(String, String)> = url::form_urlencoded::parse(form)
            .map(|(name, value)| (name.into_owned(), value.into_owned()))
            .collect();
        let name = fields
            .iter()
            .find(|(name, _)| name == "Action")
            .map_or_else(|| "unknown".to_string(), |(_, value)| value.clone());
        let batch_entries = fields
            .iter()
            .filter(|(name, _)| {
                name.starts_with("PublishBatchRequestEntries.member.") && name.ends_with(".Id")
            })
            .count();
        Call {
            protocol: Protocol::Query,
            service: "SNS",
            name,
            batch_entries,
        }
    }

    fn operation(&self) -> String {
        format!("{}.{}", self.service, self.name)
    }
}
