//! Header values kept in AWS Secrets Manager (`secret:`) and SSM Parameter Store (`ssm:`),
//! read when a run needs them.
//!
//! A [`SecretResolver`] is built once, with the collector, and makes no network call until
//! a source asks for a secret: the Lambda must do nothing on the network before its first
//! event, and the CLI must work without AWS credentials for a config that names no secret.
//! The AWS clients themselves are built on that first request.
//!
//! What was read is kept in memory for [`SECRET_MAX_AGE`], so that a warm Lambda does not
//! call AWS for every header of every run, yet a rotated secret is picked up within
//! minutes. Within one run each distinct secret is read once, whatever the number of
//! headers that use it, and distinct secrets are read concurrently ([`RunSecrets`]).
//!
//! A secret value never reaches a log line or an error message: it is held in a
//! [`SecretText`] whose `Debug` hides it, errors name the secret and never its content, and
//! the SDK itself redacts these operations' replies from its own trace logs.

mod aws;
mod cache;
mod error;
mod json_key;
mod reference;
mod run;

use std::fmt;
use std::sync::Arc;
use std::time::{Duration, Instant};

use aws_config::SdkConfig;
use tokio::sync::OnceCell;
use tracing::debug;

pub use error::SecretError;
pub(super) use reference::SecretRef;
pub(super) use run::RunSecrets;

use aws::Clients;
use cache::Cache;

/// How long a secret read from AWS is used before it is read again. Short enough that a
/// rotation reaches the sources within minutes; long enough that a function run every
/// minute reads each secret a dozen times an hour, not sixty.
pub const SECRET_MAX_AGE: Duration = Duration::from_secs(5 * 60);

/// Reads `secret:` and `ssm:` header values from AWS and keeps them for a bounded time.
/// Cheap to build: the AWS configuration and clients are made on the first read.
pub struct SecretResolver {
    /// `None` loads [`crate::aws::load_sdk_config`] on the first read.
    sdk_config: Option<SdkConfig>,
    clients: OnceCell<Clients>,
    cache: Cache,
}

impl SecretResolver {
    /// A resolver that loads the standard AWS configuration (region, credentials,
    /// `AWS_ENDPOINT_URL`) when the first secret is read, and never if none is.
    pub fn new() -> SecretResolver {
        SecretResolver {
            sdk_config: None,
            clients: OnceCell::new(),
            cache: Cache::new(SECRET_MAX_AGE),
        }
    }

    /// A resolver whose clients are built from `config` when the first secret is read, so
    /// that the Lambda shares the configuration of its store and notifier.
    pub fn from_sdk_config(config: &SdkConfig) -> SecretResolver {
        SecretResolver {
            sdk_config: Some(config.clone()),
            ..SecretResolver::new()
        }
    }

    /// A resolver that uses these clients, with whatever interceptors they carry.
    pub fn from_clients(
        secrets_manager: aws_sdk_secretsmanager::Client,
        ssm: aws_sdk_ssm::Client,
    ) -> SecretResolver {
        SecretResolver {
            clients: OnceCell::new_with(Some(Clients {
                secrets_manager,
                ssm,
            })),
            ..SecretResolver::new()
        }
    }

    /// Keeps what was read for `max_age` instead of [`SECRET_MAX_AGE`]. Zero reads every
    /// secret again at every run.
    pub fn with_max_age(mut self, max_age: Duration) -> SecretResolver {
        self.cache = Cache::new(max_age);
        self
    }

    /// The text of a secret or parameter: from the cache while it is fresh, else from AWS.
    /// A failure is not cached, so the next run tries again.
    async fn read(&self, reference: &SecretRef) -> Result<SecretText, SecretError> {
        if let Some(text) = self.cache.fresh(reference, Instant::now()) {
            debug!(secret = %reference, "secret taken from the cache");
            return Ok(text);
        }
        let clients = self.clients().await;
        let text = aws::read(clients, reference).await?;
        self.cache
            .insert(reference.clone(), text.clone(), Instant::now());
        debug!(secret = %reference, "secret read from AWS");
        Ok(text)
    }

    async fn clients(&self) -> &Clients {
        self.clients
            .get_or_init(|| async {
                match &self.sdk_config {
                    Some(config) => Clients::new(config),
                    None => Clients::new(&crate::aws::load_sdk_config().await),
                }
            })
            .await
    }
}

impl Default for SecretResolver {
    fn default() -> SecretResolver {
        SecretResolver::new()
    }
}

impl fmt::Debug for SecretResolver {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SecretResolver")
            .field("clients_built", &self.clients.initialized())
            .field("cache", &self.cache)
            .finish_non_exhaustive()
    }
}

/// The text of a secret. Its `Debug` prints no content, so that no `{:?}` of a value that
/// holds one can leak it. It is not wiped from memory on drop: the same bytes also pass
/// through the SDK's reply and the HTTP request, which no wrapper here could reach.
#[derive(Clone, PartialEq, Eq)]
pub(super) struct SecretText(Arc<str>);

impl SecretText {
    pub(super) fn new(text: &str) -> SecretText {
        SecretText(Arc::from(text))
    }

    /// The secret itself, to put in a request and nowhere else.
    pub(super) fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for SecretText {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("SecretText(<redacted>)")
    }
}
