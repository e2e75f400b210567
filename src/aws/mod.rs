//! What the DynamoDB store, the SNS notifier and the sources' secret reads share: how SDK
//! clients are configured, how every SDK error is classified, and the backoff used for the
//! retries the SDK cannot do.
//!
//! The clients come from [`load_sdk_config`], the standard provider chain with two
//! settings of ours. It reads `AWS_REGION`, the credentials chain and `AWS_ENDPOINT_URL`,
//! which is how the tests point the real SDK at a local emulator. Loading it makes no network
//! call: credentials are resolved on the first request, so the Lambda does nothing on the
//! network before its first event.
//!
//! Retries happen at two levels. The SDK's standard mode retries a whole call that failed
//! with throttling, a 5xx or a transport error. What it cannot see is a call that succeeded
//! with part of its work refused (`UnprocessedItems`, PublishBatch failed entries, a cancelled
//! transaction); those are retried by the caller with [`Backoff`].

pub mod arn;
mod backoff;
mod environment;
mod error;
mod http;

use std::time::Duration;

use aws_config::environment::EnvironmentVariableCredentialsProvider;
use aws_config::retry::RetryConfig;
use aws_config::timeout::TimeoutConfig;
use aws_config::{BehaviorVersion, ConfigLoader, SdkConfig};
use aws_smithy_runtime_api::client::http::SharedHttpClient;

pub use backoff::Backoff;
pub use environment::environment_problem;
pub use error::{AwsError, classify, is_retryable_code};
pub use http::LazyHttpsClient;

/// Attempts per call, the first included. The SDK waits with jittered exponential backoff
/// between them. Three is the SDK's standard; more would let one throttled call use up a
/// run's time budget while the next scheduled run would try again anyway.
const MAX_ATTEMPTS: u32 = 3;

/// How long one attempt may take, connection included. Every call kpiwatch makes is small;
/// an attempt this slow has hung, and a fresh connection does better than waiting on it.
const ATTEMPT_TIMEOUT: Duration = Duration::from_secs(10);

/// How long a call may take over all its attempts and the waits between them.
const OPERATION_TIMEOUT: Duration = Duration::from_secs(30);

/// The SDK configuration every client is built from: the standard provider chain (region,
/// credentials, `AWS_ENDPOINT_URL`), [`retry_config`] and our timeouts.
pub async fn load_sdk_config() -> SdkConfig {
    loader().load().await
}

/// [`load_sdk_config`] for the Lambda function, whose credentials are always the execution
/// role's, in the environment variables the Lambda runtime sets. The standard chain would
/// also build its profile, web-identity, SSO, container and instance-metadata providers,
/// an STS client among them: a sixth of the function's start-up work, for providers a
/// Lambda never uses.
pub async fn load_lambda_sdk_config() -> SdkConfig {
    loader()
        .credentials_provider(EnvironmentVariableCredentialsProvider::new())
        .load()
        .await
}

fn loader() -> ConfigLoader {
    aws_config::defaults(BehaviorVersion::latest())
        .http_client(SharedHttpClient::new(LazyHttpsClient::default()))
        .retry_config(retry_config())
        .timeout_config(
            TimeoutConfig::builder()
                .connect_timeout(Duration::from_secs(3))
                .operation_attempt_timeout(ATTEMPT_TIMEOUT)
                .operation_timeout(OPERATION_TIMEOUT)
                .build(),
        )
}

/// The SDK's retries: standard mode, with its jittered exponential backoff and its retry
/// quota, [`MAX_ATTEMPTS`] attempts per call. Public so that a test can run these very
/// retries with shorter waits.
pub fn retry_config() -> RetryConfig {
    RetryConfig::standard().with_max_attempts(MAX_ATTEMPTS)
}
