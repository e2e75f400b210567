//! A stand-in for the Lambda service, which cannot run here: the Lambda Runtime API that a
//! `bootstrap` binary polls for events, served on a loopback port.
//!
//! It implements the part of the API a function uses: `GET .../invocation/next` hands out
//! queued events one per request, holding the request open until there is one, as Lambda
//! does; `POST .../invocation/{id}/response` and `.../error` record the outcome;
//! `POST .../init/error` records a failed start. Everything else about the function (the
//! binary, the SDK, DynamoDB and SNS in moto) is real.

use std::collections::HashMap;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use axum::Router;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::IntoResponse;
use axum::routing::{get, post};
use serde_json::Value;
use tokio::sync::{Mutex, mpsc};

const PREFIX: &str = "/2018-06-01/runtime";

/// How an invocation ended, as the function reported it.
#[derive(Debug, Clone, PartialEq)]
pub enum Outcome {
    /// The function returned this JSON.
    Response(Value),
    /// The function failed: Lambda's `{"errorType": ..., "errorMessage": ...}`.
    Error(Value),
}

impl Outcome {
    pub fn response(self) -> Value {
        match self {
            Outcome::Response(value) => value,
            Outcome::Error(error) => panic!("the invocation failed: {error}"),
        }
    }

    pub fn error(self) -> Value {
        match self {
            Outcome::Error(error) => error,
            Outcome::Response(value) => panic!("the invocation succeeded: {value}"),
        }
    }
}

struct Shared {
    sender: mpsc::UnboundedSender<(String, Value)>,
    receiver: Mutex<mpsc::UnboundedReceiver<(String, Value)>>,
    /// `next` requests waiting for an event.
    polling: AtomicUsize,
    outcomes: std::sync::Mutex<HashMap<String, Outcome>>,
    init_errors: std::sync::Mutex<Vec<Value>>,
}

pub struct RuntimeApi {
    /// `host:port`, for `AWS_LAMBDA_RUNTIME_API`.
    pub address: String,
    shared: Arc<Shared>,
}

impl RuntimeApi {
    pub async fn start() -> RuntimeApi {
        let (sender, receiver) = mpsc::unbounded_channel();
        let shared = Arc::new(Shared {
            sender,
            receiver: Mutex::new(receiver),
            polling: AtomicUsize::new(0),
            outcomes: std::sync::Mutex::new(HashMap::new()),
            init_errors: std::sync::Mutex::new(Vec::new()),
        });
        let app = Router::new()
            .route(&format!("{PREFIX}/invocation/next"), get(next))
            .route(
                &format!("{PREFIX}/invocation/{{id}}/response"),
                post(response),
            )
            .route(&format!("{PREFIX}/invocation/{{id}}/error"), post(error))
            .route(&format!("{PREFIX}/init/error"), post(init_error))
            .with_state(Arc::clone(&shared));
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let address = listener.local_addr().unwrap().to_string();
        tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
        RuntimeApi { address, shared }
    }

    /// Queues an event without waiting; returns its request id.
    pub fn queue(&self, event: Value) -> String {
        let id = format!("request-{:016x}", fastrand::u64(..));
        self.shared.sender.send((id.clone(), event)).unwrap();
        id
    }

    /// The outcome of a queued event, waiting up to a minute for it.
    pub async fn outcome(&self, id: &str) -> Outcome {
        for _ in 0..2400 {
            if let Some(outcome) = self.shared.outcomes.lock().unwrap().remove(id) {
                return outcome;
            }
            tokio::time::sleep(Duration::from_millis(25)).await;
        }
        panic!("no outcome for invocation {id} within a minute");
    }

    /// Whether the function has reported the outcome of a queued event yet.
    pub fn has_outcome(&self, id: &str) -> bool {
        self.shared.outcomes.lock().unwrap().contains_key(id)
    }

    /// Sends an event and waits for its outcome, as a synchronous invoke does.
    pub async fn invoke(&self, event: Value) -> Outcome {
        let id = self.queue(event);
        self.outcome(&id).await
    }

    /// Waits until `count` functions are polling for an event, so that events queued next
    /// are taken at the same time.
    pub async fn wait_for_pollers(&self, count: usize) {
        for _ in 0..2400 {
            if self.shared.polling.load(Ordering::SeqCst) >= count {
                return;
            }
            tokio::time::sleep(Duration::from_millis(25)).await;
        }
        panic!("{count} functions did not poll for events within a minute");
    }

    /// The init errors reported so far.
    pub fn init_errors(&self) -> Vec<Value> {
        self.shared.init_errors.lock().unwrap().clone()
    }

    /// The init errors, once the function has reported one, waiting up to 10 seconds.
    pub async fn wait_for_init_errors(&self) -> Vec<Value> {
        for _ in 0..200 {
            let reported = self.init_errors();
            if !reported.is_empty() {
                return reported;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        panic!("the function reported no init error within 10 seconds");
    }
}

async fn next(State(shared): State<Arc<Shared>>) -> impl IntoResponse {
    shared.polling.fetch_add(1, Ordering::SeqCst);
    let received = shared.receiver.lock().await.recv().await;
    shared.polling.fetch_sub(1, Ordering::SeqCst);
    let Some((id, event)) = received else {
        return (StatusCode::GONE, HeaderMap::new(), String::new());
    };
    let deadline = chrono::Utc::now().timestamp_millis() + 60_000;
    let mut headers = HeaderMap::new();
    headers.insert("lambda-runtime-aws-request-id", id.parse().unwrap());
    headers.insert(
        "lambda-runtime-deadline-ms",
        deadline.to_string().parse().unwrap(),
    );
    headers.insert(
        "lambda-runtime-invoked-function-arn",
        "arn:aws:lambda:us-east-1:123456789012:function:kpiwatch"
            .parse()
            .unwrap(),
    );
    headers.insert(
        "lambda-runtime-trace-id",
        "Root=1-00000000-000000000000000000000000".parse().unwrap(),
    );
    (StatusCode::OK, headers, event.to_string())
}

async fn response(
    State(shared): State<Arc<Shared>>,
    Path(id): Path<String>,
    body: String,
) -> StatusCode {
    let value = serde_json::from_str(&body).unwrap_or(Value::String(body));
    shared
        .outcomes
        .lock()
        .unwrap()
        .insert(id, Outcome::Response(value));
    StatusCode::ACCEPTED
}

async fn error(
    State(shared): State<Arc<Shared>>,
    Path(id): Path<String>,
    body: String,
) -> StatusCode {
    let value = serde_json::from_str(&body).unwrap_or(Value::String(body));
    shared
        .outcomes
        .lock()
        .unwrap()
        .insert(id, Outcome::Error(value));
    StatusCode::ACCEPTED
}

async fn init_error(State(shared): State<Arc<Shared>>, body: String) -> StatusCode {
    let value = serde_json::from_str(&body).unwrap_or(Value::String(body));
    shared.init_errors.lock().unwrap().push(value);
    StatusCode::ACCEPTED
}
