//! `http.headers`: header names, and where each value comes from.
//!
//! A value is written as is, or refers to a secret read at run time: `env:NAME`,
//! `secret:NAME_OR_ARN[#key]` (Secrets Manager) or `ssm:NAME` (Parameter Store). A reference
//! is checked for its form here, so that a typo is reported with its position by
//! `kpiwatch validate` instead of as a failed source on the next run. Whether the secret
//! exists, and may be read, is only known at run time.

use std::collections::BTreeMap;

use reqwest::header::{HeaderName, HeaderValue};

use super::report::Report;
use crate::config::raw::ScalarText;
use crate::config::yaml::Fields;
use crate::config::{Header, SecretValue};

/// The longest secret id or parameter name the AWS APIs accept, ARNs included.
const MAX_REFERENCE_LEN: usize = 2048;

/// Checks headers in file order, which the raw map does not keep.
pub fn check_headers(
    raw: &BTreeMap<String, ScalarText>,
    fields: Option<Fields<'_>>,
    report: &mut Report<'_>,
) -> Option<Vec<Header>> {
    let Some(mapping) = fields.and_then(|fields| fields.node().as_mapping()) else {
        return Some(Vec::new());
    };
    let mut headers = Vec::new();
    let mut valid = true;
    for (key, value_node) in mapping.iter() {
        let name = key.as_str();
        let Some(value) = raw.get(name) else {
            continue;
        };
        if HeaderName::from_bytes(name.as_bytes()).is_err() {
            report.error(
                report.scalar_pos(key),
                format!(
                    "`{name}` is not a valid HTTP header name: use letters, digits and \
                     `!#$%&'*+-.^_|~`, with no spaces"
                ),
            );
            valid = false;
            continue;
        }
        match check_header_value(name, &value.0) {
            Ok(value) => headers.push(Header {
                name: name.to_string(),
                value,
            }),
            Err(message) => {
                report.error(Fields::new(value_node).pos(), message);
                valid = false;
            }
        }
    }
    valid.then_some(headers)
}

fn check_header_value(name: &str, text: &str) -> Result<SecretValue, String> {
    if let Some(variable) = text.strip_prefix("env:") {
        return env_variable(name, variable.trim());
    }
    if let Some(reference) = text.strip_prefix("secret:") {
        return secrets_manager(name, reference.trim());
    }
    if let Some(parameter) = text.strip_prefix("ssm:") {
        return ssm_parameter(name, parameter.trim());
    }
    if HeaderValue::from_str(text).is_err() {
        return Err(format!(
            "header `{name}` has a value HTTP does not allow: only visible ASCII characters, \
             spaces and tabs, with no line breaks"
        ));
    }
    Ok(SecretValue::Literal(text.to_string()))
}

fn env_variable(name: &str, variable: &str) -> Result<SecretValue, String> {
    if variable.is_empty() {
        return Err(format!(
            "header `{name}` reads `env:` with no variable name; write `env:NAME`"
        ));
    }
    if variable.contains(['=', '\0']) {
        return Err(format!(
            "header `{name}`: `{variable}` is not a valid environment variable name"
        ));
    }
    Ok(SecretValue::Env(variable.to_string()))
}

/// `secret:ID` or `secret:ID#KEY`. Secret names cannot contain `#`, so the first one
/// separates the key, which may be any text.
fn secrets_manager(name: &str, reference: &str) -> Result<SecretValue, String> {
    let (secret_id, json_key) = match reference.split_once('#') {
        Some((id, key)) => (id.trim_end(), Some(key)),
        None => (reference, None),
    };
    if secret_id.is_empty() {
        return Err(format!(
            "header `{name}` reads `secret:` with no secret name; write `secret:NAME`, \
             `secret:ARN` or `secret:NAME#key`"
        ));
    }
    // Secrets Manager allows these in names; an ARN adds its `:` separators.
    let allowed = |c: char| c.is_ascii_alphanumeric() || "/_+=.@-".contains(c);
    let is_arn = secret_id.starts_with("arn:");
    if secret_id.len() > MAX_REFERENCE_LEN
        || !secret_id
            .chars()
            .all(|c| allowed(c) || (is_arn && c == ':'))
    {
        return Err(format!(
            "header `{name}`: `{secret_id}` is not a valid Secrets Manager secret name or ARN: \
             a name has letters, digits and `/_+=.@-` only"
        ));
    }
    if json_key.is_some_and(str::is_empty) {
        return Err(format!(
            "header `{name}`: `secret:{secret_id}#` names no JSON key; write \
             `secret:{secret_id}#KEY`, or drop the `#` to use the whole secret"
        ));
    }
    Ok(SecretValue::SecretsManager {
        secret_id: secret_id.to_string(),
        json_key: json_key.map(str::to_string),
    })
}

/// `ssm:NAME`, where NAME is a parameter name or ARN, optionally with a `:version` or
/// `:label` selector, all of which `GetParameter` takes as they are.
fn ssm_parameter(name: &str, parameter: &str) -> Result<SecretValue, String> {
    if parameter.is_empty() {
        return Err(format!(
            "header `{name}` reads `ssm:` with no parameter name; write `ssm:/path/name`"
        ));
    }
    let allowed = |c: char| c.is_ascii_alphanumeric() || "_.-/:".contains(c);
    if parameter.len() > MAX_REFERENCE_LEN || !parameter.chars().all(allowed) {
        return Err(format!(
            "header `{name}`: `{parameter}` is not a valid SSM parameter name: use letters, \
             digits and `_.-/`"
        ));
    }
    let is_arn = parameter.starts_with("arn:");
    let plain_name = parameter.split(':').next().unwrap_or(parameter);
    if !is_arn && (plain_name.is_empty() || parameter.matches(':').count() > 1) {
        return Err(format!(
            "header `{name}`: `{parameter}` is not a valid SSM parameter name: only a \
             `:version` or `:label` selector may follow the name"
        ));
    }
    // SSM rejects a hierarchical name without its leading slash, and the function's IAM
    // policy grants `parameter//PREFIX*` only to names that have it.
    if !is_arn && plain_name.contains('/') && !plain_name.starts_with('/') {
        return Err(format!(
            "header `{name}`: the SSM parameter name `{plain_name}` has a path, so it must \
             start with `/`: write `ssm:/{parameter}`"
        ));
    }
    Ok(SecretValue::SsmParameter {
        name: parameter.to_string(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn secret(id: &str, key: Option<&str>) -> SecretValue {
        SecretValue::SecretsManager {
            secret_id: id.to_string(),
            json_key: key.map(str::to_string),
        }
    }

    fn parameter(name: &str) -> SecretValue {
        SecretValue::SsmParameter {
            name: name.to_string(),
        }
    }

    #[test]
    fn secrets_are_named_by_name_or_arn_with_an_optional_json_key() {
        let arn = "arn:aws:secretsmanager:eu-west-1:123456789012:secret:kpiwatch/api-AbCdEf";
        for (text, expected) in [
            ("secret:kpiwatch/api", secret("kpiwatch/api", None)),
            ("secret: kpiwatch/api ", secret("kpiwatch/api", None)),
            (
                "secret:kpiwatch/api#token",
                secret("kpiwatch/api", Some("token")),
            ),
            (
                "secret:kpiwatch/api#api key",
                secret("kpiwatch/api", Some("api key")),
            ),
            (&format!("secret:{arn}"), secret(arn, None)),
            (&format!("secret:{arn}#token"), secret(arn, Some("token"))),
        ] {
            assert_eq!(
                check_header_value("Authorization", text),
                Ok(expected),
                "{text}"
            );
        }
    }

    #[test]
    fn parameters_are_named_by_path_name_arn_or_with_a_selector() {
        let arn = "arn:aws:ssm:eu-west-1:123456789012:parameter/kpiwatch/token";
        for text in [
            "/kpiwatch/token",
            "token",
            "/kpiwatch/token:3",
            "/kpiwatch/token:live",
            arn,
        ] {
            assert_eq!(
                check_header_value("Authorization", &format!("ssm:{text}")),
                Ok(parameter(text)),
                "{text}"
            );
        }
    }

    #[test]
    fn malformed_references_say_what_is_wrong() {
        for (text, fragment) in [
            ("secret:#token", "no secret name"),
            ("secret:kpi api", "not a valid Secrets Manager secret name"),
            ("secret:kpi:api", "not a valid Secrets Manager secret name"),
            ("secret:kpiwatch/api#", "names no JSON key"),
            ("ssm:", "no parameter name"),
            ("ssm:/kpi token", "not a valid SSM parameter name"),
            (
                "ssm:/kpiwatch/token:3:4",
                "only a `:version` or `:label` selector",
            ),
            ("ssm::3", "only a `:version` or `:label` selector"),
            (
                "ssm:kpiwatch/token",
                "must start with `/`: write `ssm:/kpiwatch/token`",
            ),
        ] {
            let error = check_header_value("Authorization", text).unwrap_err();
            assert!(error.contains(fragment), "{text}: {error}");
            assert!(
                error.starts_with("header `Authorization`"),
                "{text}: {error}"
            );
        }
    }
}
