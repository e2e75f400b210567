use aws_config::SdkConfig;

use super::{SecretError, SecretRef, SecretText};
use crate::aws::classify;

/// The two clients secrets are read with. Building them makes no network call.
pub struct Clients {
    pub secrets_manager: aws_sdk_secretsmanager::Client,
    pub ssm: aws_sdk_ssm::Client,
}

impl Clients {
    pub fn new(config: &SdkConfig) -> Clients {
        Clients {
            secrets_manager: aws_sdk_secretsmanager::Client::new(config),
            ssm: aws_sdk_ssm::Client::new(config),
        }
    }
}

/// Reads one secret or parameter with one call. The SDK retries throttling and transport
/// errors within the call; what still fails is reported, and the next run tries again.
///
/// One `GetParameter` per parameter rather than a batched `GetParameters`: a config names a
/// few parameters, the cache spares most reads, and `GetParameters` answers with names
/// normalised (selectors split off, ARNs resolved) that would have to be matched back to
/// what the config wrote.
pub async fn read(clients: &Clients, reference: &SecretRef) -> Result<SecretText, SecretError> {
    match reference {
        SecretRef::SecretsManager(secret_id) => {
            let output = clients
                .secrets_manager
                .get_secret_value()
                .secret_id(secret_id)
                .send()
                .await
                .map_err(|error| SecretError::Read {
                    secret: reference.to_string(),
                    error: classify("GetSecretValue", &error),
                })?;
            match output.secret_string() {
                Some(text) => Ok(SecretText::new(text)),
                None => Err(SecretError::Binary {
                    secret: reference.to_string(),
                }),
            }
        }
        SecretRef::SsmParameter(name) => {
            let output = clients
                .ssm
                .get_parameter()
                .name(name)
                .with_decryption(true)
                .send()
                .await
                .map_err(|error| SecretError::Read {
                    secret: reference.to_string(),
                    error: classify("GetParameter", &error),
                })?;
            // A parameter always has a value; an empty one is what an absent one would mean.
            let text = output
                .parameter()
                .and_then(|parameter| parameter.value())
                .unwrap_or_default();
            Ok(SecretText::new(text))
        }
    }
}
