//! A gate in front of the emulator's SNS: a real HTTP proxy that holds every request it
//! receives until the test opens it, then forwards it to moto unchanged and returns moto's
//! answer. A function pointed at it through `AWS_ENDPOINT_URL_SNS` commits and claims the
//! outbox as usual and then stands still, mid-publish, for as long as the test needs; the
//! SDK, the store and SNS in moto stay real.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use axum::Router;
use axum::body::{Body, to_bytes};
use axum::extract::{Request, State};
use axum::http::HeaderName;
use axum::response::Response;
use tokio::sync::watch;

struct Shared {
    /// Where requests go once the gate is open: moto.
    upstream: String,
    client: reqwest::Client,
    open: watch::Sender<bool>,
    /// Requests that have arrived while the gate was closed.
    held: AtomicUsize,
}

pub struct SnsGate {
    /// `http://host:port`, for `AWS_ENDPOINT_URL_SNS`.
    pub url: String,
    shared: Arc<Shared>,
}

impl SnsGate {
    /// A closed gate in front of `upstream`.
    pub async fn start(upstream: String) -> SnsGate {
        let shared = Arc::new(Shared {
            upstream,
            client: reqwest::Client::new(),
            open: watch::channel(false).0,
            held: AtomicUsize::new(0),
        });
        let app = Router::new()
            .fallback(forward)
            .with_state(Arc::clone(&shared));
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let url = format!("http://{}", listener.local_addr().unwrap());
        tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
        SnsGate { url, shared }
    }

    /// Waits until a request is held at the gate, for up to a minute.
    pub async fn wait_for_a_held_request(&self) {
        for _ in 0..2400 {
            if self.shared.held.load(Ordering::SeqCst) > 0 {
                return;
            }
            tokio::time::sleep(Duration::from_millis(25)).await;
        }
        panic!("no request reached the SNS gate within a minute");
    }

    /// Lets held and later requests through.
    pub fn open(&self) {
        self.shared.open.send_replace(true);
    }
}

async fn forward(State(shared): State<Arc<Shared>>, request: Request) -> Response {
    let mut opened = shared.open.subscribe();
    if !*opened.borrow_and_update() {
        shared.held.fetch_add(1, Ordering::SeqCst);
        opened.wait_for(|open| *open).await.unwrap();
    }

    let (parts, body) = request.into_parts();
    let body = to_bytes(body, usize::MAX).await.unwrap();
    let path = parts.uri.path_and_query().map_or("/", |p| p.as_str());
    let mut upstream = shared
        .client
        .request(parts.method, format!("{}{path}", shared.upstream))
        .body(body);
    for (name, value) in &parts.headers {
        if name != "host" && name != "content-length" {
            upstream = upstream.header(name, value);
        }
    }
    let answer = upstream.send().await.unwrap();

    let mut response = Response::builder().status(answer.status());
    for (name, value) in answer.headers() {
        if !is_hop_by_hop(name) {
            response = response.header(name, value);
        }
    }
    let body = answer.bytes().await.unwrap();
    response.body(Body::from(body)).unwrap()
}

/// Headers that describe one connection, which the proxy's own connection replaces.
fn is_hop_by_hop(name: &HeaderName) -> bool {
    matches!(
        name.as_str(),
        "content-length" | "transfer-encoding" | "connection" | "keep-alive"
    )
}
