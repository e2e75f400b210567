use std::fmt;

use crate::config::SecretValue;

/// What one AWS read fetches: a whole secret or a whole parameter. A JSON key is taken from
/// the text afterwards, so two headers that read two keys of one secret cost one call.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum SecretRef {
    /// A Secrets Manager secret, by name or ARN.
    SecretsManager(String),
    /// An SSM parameter, by name or ARN, with its selector if any.
    SsmParameter(String),
}

impl SecretRef {
    /// What `value` reads, and the JSON key to take from it; `None` for a value that is not
    /// in AWS.
    pub fn of(value: &SecretValue) -> Option<(SecretRef, Option<&str>)> {
        match value {
            SecretValue::Literal(_) | SecretValue::Env(_) => None,
            SecretValue::SecretsManager {
                secret_id,
                json_key,
            } => Some((
                SecretRef::SecretsManager(secret_id.clone()),
                json_key.as_deref(),
            )),
            SecretValue::SsmParameter { name } => {
                Some((SecretRef::SsmParameter(name.clone()), None))
            }
        }
    }
}

/// Names the secret, for errors and logs: `Secrets Manager secret `kpiwatch/api``.
impl fmt::Display for SecretRef {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            SecretRef::SecretsManager(id) => write!(f, "Secrets Manager secret `{id}`"),
            SecretRef::SsmParameter(name) => write!(f, "SSM parameter `{name}`"),
        }
    }
}
