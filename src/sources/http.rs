use reqwest::header::{ACCEPT, HeaderName, HeaderValue};

use super::error::body_start;
use super::secrets::RunSecrets;
use super::{MAX_DOCUMENT_BYTES, SourceError};
use crate::config::{HttpSource, SecretValue};

/// The shared client: rustls, no cookies, redirects followed up to reqwest's default of 10.
/// It asks for gzip and decodes it: KPI documents compress tenfold, and APIs behind a CDN
/// or a framework's compression middleware may send gzip whatever the request said.
pub(super) fn client() -> Result<reqwest::Client, SourceError> {
    reqwest::Client::builder()
        .user_agent(concat!("kpiwatch/", env!("CARGO_PKG_VERSION")))
        .build()
        .map_err(|error| SourceError::Client(error.to_string()))
}

/// GETs the source's URL and returns the body of a successful response.
pub(super) async fn fetch(
    client: &reqwest::Client,
    source: &HttpSource,
    secrets: &RunSecrets<'_>,
) -> Result<Vec<u8>, SourceError> {
    let timeout = source.timeout;
    let as_source_error = |error: reqwest::Error| {
        if error.is_timeout() {
            SourceError::Timeout(timeout)
        } else {
            SourceError::Request(describe(error))
        }
    };

    let mut request = client
        .get(source.url.clone())
        .timeout(timeout)
        .header(ACCEPT, "application/json");
    for header in &source.headers {
        let (name, value) = header_pair(&header.name, &header.value, secrets).await?;
        request = request.header(name, value);
    }
    let mut response = request.send().await.map_err(as_source_error)?;

    let status = response.status();
    let mut body = Vec::new();
    while let Some(chunk) = response.chunk().await.map_err(as_source_error)? {
        if body.len() + chunk.len() > MAX_DOCUMENT_BYTES {
            return Err(SourceError::TooLarge {
                limit: MAX_DOCUMENT_BYTES,
            });
        }
        body.extend_from_slice(&chunk);
    }
    if !status.is_success() {
        return Err(SourceError::Status {
            status: status.to_string(),
            body_start: body_start(&body),
        });
    }
    Ok(body)
}

async fn header_pair(
    name: &str,
    value: &SecretValue,
    secrets: &RunSecrets<'_>,
) -> Result<(HeaderName, HeaderValue), SourceError> {
    let invalid = || SourceError::InvalidHeader {
        header: name.to_string(),
    };
    let text = match value {
        SecretValue::Literal(text) => text.clone(),
        SecretValue::Env(variable) => {
            std::env::var(variable).map_err(|_| SourceError::MissingEnv {
                header: name.to_string(),
                variable: variable.clone(),
            })?
        }
        SecretValue::SecretsManager { .. } | SecretValue::SsmParameter { .. } => {
            let text = secrets.text_of(value).await.ok_or_else(invalid)?;
            let text = text.map_err(|reason| SourceError::Secret {
                header: name.to_string(),
                reason,
            })?;
            // A secret saved from a file often ends with a newline, which HTTP forbids in a
            // value; HTTP ignores surrounding whitespace anyway.
            text.expose().trim().to_string()
        }
    };
    let name = HeaderName::from_bytes(name.as_bytes()).map_err(|_| invalid())?;
    let mut value = HeaderValue::from_str(&text).map_err(|_| invalid())?;
    // Keeps the value out of any debug output of the request, reqwest's included.
    value.set_sensitive(true);
    Ok((name, value))
}

/// reqwest's top-level message ("error sending request for url ...") hides the cause that
/// users need (connection refused, DNS, TLS); the innermost source says it.
///
/// The URL in the message loses its query, which some APIs use for a token (`?key=...`):
/// this message reaches logs, the snapshot and the source-health notification.
fn describe(mut error: reqwest::Error) -> String {
    if let Some(url) = error.url_mut()
        && url.query().is_some()
    {
        url.set_query(Some("..."));
    }
    let error = &error;
    let mut cause: &dyn std::error::Error = error;
    while let Some(inner) = cause.source() {
        cause = inner;
    }
    if std::ptr::addr_eq(cause, error as &dyn std::error::Error) {
        error.to_string()
    } else {
        format!("{error}: {cause}")
    }
}
