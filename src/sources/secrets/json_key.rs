use serde_json::{Map, Value};

use super::{SecretError, SecretRef, SecretText};

/// How many of a secret's keys an error lists, to help spot a typo.
const MAX_KEYS_NAMED: usize = 10;

/// Takes `key` from a secret that holds a JSON object, the way Secrets Manager stores
/// credentials (`{"username": ..., "password": ...}`). A number is taken as written.
///
/// The parser's message is left out of the errors: it may quote the text around the
/// position it failed at, which is the secret.
pub fn take(secret: &SecretRef, text: &SecretText, key: &str) -> Result<SecretText, SecretError> {
    let Ok(object) = serde_json::from_str::<Map<String, Value>>(text.expose()) else {
        return Err(SecretError::NotJsonObject {
            secret: secret.to_string(),
            key: key.to_string(),
        });
    };
    match object.get(key) {
        Some(Value::String(value)) => Ok(SecretText::new(value)),
        Some(Value::Number(number)) => Ok(SecretText::new(&number.to_string())),
        Some(_) => Err(SecretError::KeyNotText {
            secret: secret.to_string(),
            key: key.to_string(),
        }),
        None => Err(SecretError::MissingKey {
            secret: secret.to_string(),
            key: key.to_string(),
            keys: object.keys().take(MAX_KEYS_NAMED).cloned().collect(),
        }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn secret() -> SecretRef {
        SecretRef::SecretsManager("kpiwatch/api".into())
    }

    fn take_from(json: &str, key: &str) -> Result<String, SecretError> {
        take(&secret(), &SecretText::new(json), key).map(|text| text.expose().to_string())
    }

    #[test]
    fn strings_and_numbers_are_taken_as_written() {
        let json = r#"{"token": "s3cr3t", "account": 12345, "rate": 0.5}"#;
        assert_eq!(take_from(json, "token").unwrap(), "s3cr3t");
        assert_eq!(take_from(json, "account").unwrap(), "12345");
        assert_eq!(take_from(json, "rate").unwrap(), "0.5");
    }

    #[test]
    fn a_missing_key_lists_the_keys_but_never_the_values() {
        let error = take_from(r#"{"user": "u-1", "password": "hunter2"}"#, "token").unwrap_err();
        let message = error.to_string();
        assert_eq!(
            message,
            "Secrets Manager secret `kpiwatch/api` has no key `token`; its keys include \
             `password`, `user`"
        );
        assert!(!message.contains("hunter2"));
    }

    #[test]
    fn text_that_is_not_a_json_object_is_named_without_quoting_it() {
        for text in ["hunter2", "[\"hunter2\"]", "{\"token\": \"hunter2\""] {
            let message = take_from(text, "token").unwrap_err().to_string();
            assert_eq!(
                message,
                "Secrets Manager secret `kpiwatch/api` is not a JSON object, so it has no key \
                 `token`"
            );
        }
    }

    #[test]
    fn objects_arrays_booleans_and_null_are_not_header_values() {
        let json = r#"{"a": {}, "b": [], "c": true, "d": null}"#;
        for key in ["a", "b", "c", "d"] {
            assert!(matches!(
                take_from(json, key),
                Err(SecretError::KeyNotText { .. })
            ));
        }
    }
}
