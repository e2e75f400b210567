//! The one place where an AWS failure is judged retryable or permanent.
//!
//! Retryable means the same request may succeed later with nothing changed by a person:
//! throttling, a server-side fault, a timeout, a dropped connection. Permanent means it will
//! keep failing until someone acts: a missing table or topic, a permission, a request this
//! code built wrong. When in doubt the answer is permanent, so that an operator hears about
//! it instead of a run retrying into its timeout, with one exception: a reply we could not
//! read, which is far more often a truncated transfer than a real answer.

use std::error::Error as StdError;

use aws_smithy_runtime_api::client::orchestrator::HttpResponse;
use aws_smithy_runtime_api::client::result::SdkError;
use aws_smithy_types::error::metadata::ProvideErrorMetadata;
use thiserror::Error;

use crate::store::StoreError;

/// A failed AWS call, classified. The message is safe to log: it carries the service's error
/// code and message, never a request payload.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum AwsError {
    /// Trying again later may succeed without anyone acting.
    #[error("{operation} failed, retryable: {message}")]
    Retryable {
        /// The API call, such as `TransactWriteItems`.
        operation: &'static str,
        /// The error code and message.
        message: String,
    },
    /// Trying again will fail the same way until the configuration or the account changes.
    #[error("{operation} failed: {message}")]
    Permanent {
        /// The API call, such as `PublishBatch`.
        operation: &'static str,
        /// The error code and message.
        message: String,
    },
}

impl AwsError {
    /// May trying again succeed without anyone acting?
    pub fn is_retryable(&self) -> bool {
        matches!(self, AwsError::Retryable { .. })
    }

    /// A failure found in a reply, rather than in an SDK error: a cancelled transaction's
    /// reason, or an entry a batch call refused.
    pub fn from_code(operation: &'static str, code: &str, message: &str) -> AwsError {
        let message = format!("{code}: {message}");
        if is_retryable_code(code) {
            AwsError::Retryable { operation, message }
        } else {
            AwsError::Permanent { operation, message }
        }
    }
}

impl From<AwsError> for StoreError {
    fn from(error: AwsError) -> StoreError {
        match error {
            AwsError::Retryable { .. } => StoreError::Retryable(error.to_string()),
            AwsError::Permanent { .. } => StoreError::Permanent(error.to_string()),
        }
    }
}

/// Classifies an error returned by an SDK call.
pub fn classify<E>(operation: &'static str, error: &SdkError<E, HttpResponse>) -> AwsError
where
    E: ProvideErrorMetadata + StdError + 'static,
{
    let retryable = match error {
        // The request could not even be built: a bug or an invalid input, the same next time.
        SdkError::ConstructionFailure(_) => false,
        // No reply in time. The service may be slow or the network lossy; both pass.
        SdkError::TimeoutError(_) => true,
        // Connection refused or reset, DNS, TLS: transport trouble that usually passes. A
        // "user" dispatch failure is a configuration error, such as a malformed endpoint URL.
        SdkError::DispatchFailure(failure) => !failure.is_user(),
        // A reply that could not be parsed: usually a transfer cut short, unless the status
        // says the request itself was refused.
        SdkError::ResponseError(_) => !status_of(error).is_some_and(is_client_error),
        SdkError::ServiceError(_) => match error.code() {
            Some(code) if is_retryable_code(code) => true,
            Some(code) if is_permanent_code(code) => false,
            // A code this list does not know: the status decides, as HTTP defines it.
            _ => status_of(error).is_some_and(|status| status >= 500 || status == 429),
        },
        // A variant added to the SDK after this was written.
        _ => false,
    };

    let message = match (error.code(), error.message()) {
        (Some(code), Some(message)) => format!("{code}: {message}"),
        _ => match error.as_service_error() {
            Some(service_error) => service_error.to_string(),
            None => causes(error),
        },
    };
    if retryable {
        AwsError::Retryable { operation, message }
    } else {
        AwsError::Permanent { operation, message }
    }
}

/// An error and its causes, each as its `Display` writes it, joined by `: `. The SDK's own
/// `DisplayErrorContext` ends with the whole `Debug` dump of the error, which is no help to
/// the person reading a log line about a refused connection.
pub(super) fn causes(error: &(dyn StdError + 'static)) -> String {
    let mut text = error.to_string();
    let mut source = error.source();
    while let Some(cause) = source {
        let cause_text = cause.to_string();
        // Some wrappers repeat their cause's text in their own.
        if !text.ends_with(&cause_text) {
            text.push_str(": ");
            text.push_str(&cause_text);
        }
        source = cause.source();
    }
    text
}

/// Is an AWS error code one that passes if the request is tried again?
///
/// These are the throttling and server-side codes of DynamoDB, SNS, Secrets Manager, SSM and
/// KMS (which SNS, Secrets Manager and SSM call to decrypt), the reasons DynamoDB gives for
/// cancelling a transaction, and expired credentials, which the credentials provider renews
/// on the next attempt.
pub fn is_retryable_code(code: &str) -> bool {
    matches!(
        code,
        // Throttling, in each service's spelling.
        "Throttling"
            | "ThrottlingException"
            | "ThrottlingError"
            | "Throttled"
            | "ThrottledException"
            | "TooManyRequestsException"
            | "RequestLimitExceeded"
            | "ProvisionedThroughputExceeded"
            | "ProvisionedThroughputExceededException"
            | "KMSThrottling"
            | "KMSThrottlingException"
            // Server-side faults.
            | "InternalError"
            | "InternalFailure"
            | "InternalServerError"
            | "InternalServiceError"
            | "ServiceUnavailable"
            | "ServiceUnavailableException"
            | "RequestTimeout"
            | "RequestTimeoutException"
            // Another transaction holds one of the items; it finishes in milliseconds.
            | "TransactionConflict"
            | "TransactionConflictException"
            | "TransactionInProgressException"
            // Credentials or a signature that aged out; the next attempt signs afresh.
            | "ExpiredToken"
            | "ExpiredTokenException"
            | "RequestExpired"
    )
}

/// Codes that a 5xx-looking status must not turn retryable: they need a person.
fn is_permanent_code(code: &str) -> bool {
    matches!(
        code,
        "AccessDenied"
            | "AccessDeniedException"
            | "AuthorizationError"
            | "InvalidClientTokenId"
            | "UnrecognizedClientException"
            | "ResourceNotFoundException"
            | "NotFound"
            | "NotFoundException"
            | "ValidationException"
            | "ValidationError"
            | "InvalidParameter"
            | "InvalidParameterValue"
            | "KMSAccessDenied"
            | "KMSDisabled"
            | "KMSInvalidState"
            | "KMSNotFound"
            | "KMSOptInRequired"
            // Secrets Manager: a secret scheduled for deletion or disabled, a key it cannot
            // use to decrypt.
            | "InvalidRequestException"
            | "InvalidParameterException"
            | "DecryptionFailure"
            // SSM: no such parameter, version or label, or a key it cannot decrypt with.
            | "ParameterNotFound"
            | "ParameterVersionNotFound"
            | "InvalidKeyId"
    )
}

fn status_of<E>(error: &SdkError<E, HttpResponse>) -> Option<u16> {
    error
        .raw_response()
        .map(|response| response.status().as_u16())
}

fn is_client_error(status: u16) -> bool {
    (400..500).contains(&status)
}

#[cfg(test)]
mod tests {
    use aws_sdk_dynamodb::operation::get_item::GetItemError;
    use aws_sdk_dynamodb::types::error::ResourceNotFoundException;
    use aws_smithy_runtime_api::client::orchestrator::HttpResponse;
    use aws_smithy_runtime_api::client::result::{ConnectorError, SdkError};
    use aws_smithy_runtime_api::http::StatusCode;
    use aws_smithy_types::body::SdkBody;
    use aws_smithy_types::error::ErrorMetadata;

    use super::*;

    fn response(status: u16) -> HttpResponse {
        HttpResponse::new(StatusCode::try_from(status).unwrap(), SdkBody::empty())
    }

    fn service_error(code: &str, status: u16) -> SdkError<GetItemError, HttpResponse> {
        let meta = ErrorMetadata::builder()
            .code(code)
            .message("it said no")
            .build();
        SdkError::service_error(GetItemError::generic(meta), response(status))
    }

    #[test]
    fn throttling_and_server_faults_are_retryable() {
        for (code, status) in [
            ("ThrottlingException", 400),
            ("ProvisionedThroughputExceededException", 400),
            ("Throttled", 400),
            ("InternalServerError", 500),
            ("InternalServiceError", 500),
            ("SomethingNew", 503),
            ("SomethingNew", 429),
        ] {
            let error = classify("GetItem", &service_error(code, status));
            assert!(error.is_retryable(), "{code} {status}: {error}");
        }
    }

    #[test]
    fn missing_resources_and_permissions_are_permanent_whatever_the_status() {
        for (code, status) in [
            ("ResourceNotFoundException", 400),
            ("AccessDeniedException", 400),
            ("NotFound", 404),
            ("AuthorizationError", 500),
            ("ParameterNotFound", 400),
            ("DecryptionFailure", 500),
            ("SomethingNew", 400),
        ] {
            let error = classify("GetItem", &service_error(code, status));
            assert!(!error.is_retryable(), "{code} {status}: {error}");
        }
    }

    #[test]
    fn a_modelled_error_keeps_its_code_and_message() {
        let modelled = GetItemError::ResourceNotFoundException(
            ResourceNotFoundException::builder()
                .message("Requested resource not found")
                .meta(
                    ErrorMetadata::builder()
                        .code("ResourceNotFoundException")
                        .build(),
                )
                .build(),
        );
        let error = classify("GetItem", &SdkError::service_error(modelled, response(400)));
        assert_eq!(
            error,
            AwsError::Permanent {
                operation: "GetItem",
                message: "ResourceNotFoundException: Requested resource not found".into(),
            }
        );
    }

    #[test]
    fn transport_failures_are_retryable_but_configuration_mistakes_are_not() {
        let io: SdkError<GetItemError, HttpResponse> =
            SdkError::dispatch_failure(ConnectorError::io("connection reset".into()));
        assert!(classify("GetItem", &io).is_retryable());

        let timeout: SdkError<GetItemError, HttpResponse> =
            SdkError::timeout_error("attempt timed out");
        assert!(classify("GetItem", &timeout).is_retryable());

        let user: SdkError<GetItemError, HttpResponse> =
            SdkError::dispatch_failure(ConnectorError::user("bad endpoint".into()));
        assert!(!classify("GetItem", &user).is_retryable());

        let construction: SdkError<GetItemError, HttpResponse> =
            SdkError::construction_failure("missing key");
        assert!(!classify("GetItem", &construction).is_retryable());
    }

    #[test]
    fn transport_failures_read_as_their_causes_without_a_debug_dump() {
        let io: SdkError<GetItemError, HttpResponse> = SdkError::dispatch_failure(
            ConnectorError::io("tcp connect error: Connection refused".into()),
        );
        assert_eq!(
            classify("GetItem", &io).to_string(),
            "GetItem failed, retryable: dispatch failure: io error: \
             tcp connect error: Connection refused"
        );
    }

    #[test]
    fn unreadable_replies_are_retryable_unless_the_request_was_refused() {
        let truncated: SdkError<GetItemError, HttpResponse> =
            SdkError::response_error("unexpected end of body", response(200));
        assert!(classify("GetItem", &truncated).is_retryable());

        let refused: SdkError<GetItemError, HttpResponse> =
            SdkError::response_error("not json", response(403));
        assert!(!classify("GetItem", &refused).is_retryable());
    }

    #[test]
    fn reply_codes_are_classified_like_error_codes() {
        assert!(AwsError::from_code("PublishBatch", "Throttled", "slow down").is_retryable());
        assert!(!AwsError::from_code("PublishBatch", "InvalidParameter", "bad").is_retryable());
        assert!(
            AwsError::from_code("TransactWriteItems", "TransactionConflict", "busy").is_retryable()
        );
    }

    #[test]
    fn classified_errors_become_store_errors_of_the_same_kind() {
        let retryable = AwsError::Retryable {
            operation: "Query",
            message: "slow".into(),
        };
        assert!(matches!(
            StoreError::from(retryable),
            StoreError::Retryable(_)
        ));
        let permanent = AwsError::Permanent {
            operation: "Query",
            message: "gone".into(),
        };
        assert!(matches!(
            StoreError::from(permanent),
            StoreError::Permanent(_)
        ));
    }
}
