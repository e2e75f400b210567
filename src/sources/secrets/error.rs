use thiserror::Error;

use crate::aws::AwsError;

/// Why a `secret:` or `ssm:` header value could not be read. Every message names the secret
/// and the reason, never the secret's content, so it is safe to log and to store in a
/// snapshot.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum SecretError {
    /// The AWS call failed: a missing secret, a denied permission, throttling. The AWS error
    /// says which, with its code.
    #[error("cannot read {secret}: {error}")]
    Read {
        /// The secret, as `Secrets Manager secret `NAME`` or `SSM parameter `NAME``.
        secret: String,
        /// The classified AWS error.
        error: AwsError,
    },
    /// The secret holds binary data (`SecretBinary`) rather than text.
    #[error("{secret} holds binary data, not text")]
    Binary {
        /// The secret.
        secret: String,
    },
    /// A key was asked for, but the secret is not a JSON object.
    #[error("{secret} is not a JSON object, so it has no key `{key}`")]
    NotJsonObject {
        /// The secret.
        secret: String,
        /// The key asked for.
        key: String,
    },
    /// The secret is a JSON object without the key asked for.
    #[error("{secret} has no key `{key}`{}", hint(.keys))]
    MissingKey {
        /// The secret.
        secret: String,
        /// The key asked for.
        key: String,
        /// The first of its keys. Key names are not secret; they help spot a typo.
        keys: Vec<String>,
    },
    /// The key holds an object, an array, a boolean or null rather than text or a number.
    #[error("key `{key}` of {secret} is not a string or a number")]
    KeyNotText {
        /// The secret.
        secret: String,
        /// The key.
        key: String,
    },
}

fn hint(keys: &[String]) -> String {
    if keys.is_empty() {
        return String::new();
    }
    let keys: Vec<String> = keys.iter().map(|key| format!("`{key}`")).collect();
    format!("; its keys include {}", keys.join(", "))
}
