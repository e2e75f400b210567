//! One HTTPS client for every AWS SDK client, built on the first request.
//!
//! The SDK's default client loads the system's trust store when it is built, which is when
//! the SDK configuration is loaded: in the Lambda, during start-up, before the first event.
//! That load was most of the difference between kpiwatch's start-up and a minimal function's.
//! This client defers it to the first AWS call, which every run makes anyway, and lets the
//! DynamoDB, SNS, Secrets Manager and SSM clients share one connection pool.

use std::sync::OnceLock;

use aws_smithy_http_client::Builder;
use aws_smithy_http_client::tls::Provider;
use aws_smithy_http_client::tls::rustls_provider::CryptoMode;
use aws_smithy_runtime_api::client::http::{
    HttpClient, HttpConnectorSettings, SharedHttpClient, SharedHttpConnector,
};
use aws_smithy_runtime_api::client::runtime_components::RuntimeComponents;

/// An [`HttpClient`] that builds the SDK's rustls client (aws-lc, the system's trust
/// store) on first use and delegates to it.
#[derive(Debug, Default)]
pub struct LazyHttpsClient {
    inner: OnceLock<SharedHttpClient>,
}

impl HttpClient for LazyHttpsClient {
    fn http_connector(
        &self,
        settings: &HttpConnectorSettings,
        components: &RuntimeComponents,
    ) -> SharedHttpConnector {
        self.inner
            .get_or_init(|| {
                Builder::new()
                    .tls_provider(Provider::Rustls(CryptoMode::AwsLc))
                    .build_https()
            })
            .http_connector(settings, components)
    }
}
