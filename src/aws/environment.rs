//! What the AWS environment of a shell must provide before kpiwatch makes its first call.
//!
//! Without a region or credentials, the SDK fails each call with a dispatch failure
//! ("missing signing region", "Missing Region", "an error occurred while loading
//! credentials") that reads as a network problem and is classified as one that passes:
//! `kpiwatch run` would report the store "temporarily unavailable". Both are settings to
//! fix, so the command line checks them first, once, and says which variable to set. The
//! function never needs to: Lambda always sets both.

use aws_config::SdkConfig;
use aws_sdk_dynamodb::config::ProvideCredentials;

use super::error::causes;

/// Why calls made with `config` cannot succeed, if a setting says so: no region (when
/// `needs_region`, that is when no ARN names one), or no credentials.
pub async fn environment_problem(config: &SdkConfig, needs_region: bool) -> Option<String> {
    if needs_region && config.region().is_none() {
        return Some(
            "no AWS region: set AWS_REGION (or a region in your AWS profile), or name the \
             table by its ARN"
                .to_string(),
        );
    }
    let provider = config.credentials_provider()?;
    match provider.provide_credentials().await {
        Ok(_) => None,
        Err(error) => {
            // The provider's own text is generic; what each source tried is in its causes.
            let why = causes(&error);
            Some(format!(
                "no AWS credentials: set AWS_PROFILE, or AWS_ACCESS_KEY_ID and \
                 AWS_SECRET_ACCESS_KEY ({why})"
            ))
        }
    }
}
