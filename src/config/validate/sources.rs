//! `sources`: where metrics come from.

use std::path::Path;
use std::time::Duration;

use marked_yaml::Node;
use reqwest::header::{HeaderName, HeaderValue};

use super::FirstSeen;
use super::report::Report;
use super::values;
use crate::config::raw::{RawFileSource, RawHttpSource, RawSource};
use crate::config::yaml::Fields;
use crate::config::{Header, HttpSource, SecretValue, Source, SourceKind};

/// How long an HTTP source may take when the config does not say.
const DEFAULT_TIMEOUT: Duration = Duration::from_secs(10);

/// The longest timeout allowed: a run waits for its slowest source, and a scheduled
/// Lambda has minutes, not hours.
const MAX_TIMEOUT: Duration = Duration::from_secs(5 * 60);

/// Checks every source; returns those that could be read at all.
pub fn check_sources(items: &[&Node], base_dir: &Path, report: &mut Report<'_>) -> Vec<Source> {
    let mut seen = FirstSeen::default();
    let mut sources = Vec::new();
    for node in items {
        let Some(raw) = report.deserialize::<RawSource>(node, "this source", "") else {
            continue;
        };
        let fields = Fields::new(node);
        check_source_id(&raw.id, fields, &mut seen, report);
        if let Some(kind) = check_kind(raw, fields, base_dir, report) {
            sources.push(kind);
        }
    }
    sources
}

fn check_source_id(id: &str, fields: Fields<'_>, seen: &mut FirstSeen, report: &mut Report<'_>) {
    let pos = fields.value_pos("id");
    if !values::check_id(id, "source", pos, report) {
        return;
    }
    if let Some(first_line) = seen.insert(id, pos) {
        report.error(
            pos,
            format!("duplicate source id `{id}`; it is first used on line {first_line}"),
        );
    }
}

fn check_kind(
    raw: RawSource,
    fields: Fields<'_>,
    base_dir: &Path,
    report: &mut Report<'_>,
) -> Option<Source> {
    let id = raw.id;
    let kind = match (raw.file, raw.http) {
        (Some(file), None) => check_file(&file, fields.present("file"), base_dir, report),
        (None, Some(http)) => check_http(&http, fields.present("http"), report),
        (Some(_), Some(_)) => {
            report.error(
                fields.key_pos("http"),
                format!("source `{id}` has both `file` and `http`; keep one of them"),
            );
            None
        }
        (None, None) => {
            report.error(
                fields.pos(),
                format!("source `{id}` has neither `file` nor `http`; add one of them"),
            );
            None
        }
    }?;
    Some(Source { id, kind })
}

fn check_file(
    raw: &RawFileSource,
    fields: Fields<'_>,
    base_dir: &Path,
    report: &mut Report<'_>,
) -> Option<SourceKind> {
    if raw.path.trim().is_empty() {
        report.error(
            fields.value_pos("path"),
            "`file.path` is empty; name a JSON file",
        );
        return None;
    }
    Some(SourceKind::File {
        path: base_dir.join(&raw.path),
    })
}

fn check_http(
    raw: &RawHttpSource,
    fields: Fields<'_>,
    report: &mut Report<'_>,
) -> Option<SourceKind> {
    let url = check_url(&raw.url, fields, report);
    let timeout = match &raw.timeout {
        None => Some(DEFAULT_TIMEOUT),
        Some(text) => {
            let pos = fields.value_pos("timeout");
            let timeout = values::positive_duration(text, pos, "http.timeout", report);
            match timeout {
                Some(timeout) if timeout > MAX_TIMEOUT => {
                    report.error(
                        pos,
                        format!("`http.timeout` is `{}`; it can be at most `5m`", text.0),
                    );
                    None
                }
                other => other,
            }
        }
    };
    let headers = check_headers(raw, fields.nested("headers"), report);
    Some(SourceKind::Http(HttpSource {
        url: url?,
        timeout: timeout?,
        headers: headers?,
    }))
}

fn check_url(text: &str, fields: Fields<'_>, report: &mut Report<'_>) -> Option<url::Url> {
    let pos = fields.value_pos("url");
    let url = match url::Url::parse(text.trim()) {
        Ok(url) => url,
        Err(error) => {
            report.error(
                pos,
                format!("`http.url` `{text}` is not a valid URL: {error}"),
            );
            return None;
        }
    };
    if !matches!(url.scheme(), "http" | "https") {
        report.error(
            pos,
            format!(
                "`http.url` `{text}` uses the scheme `{}`; only `http` and `https` are supported",
                url.scheme()
            ),
        );
        return None;
    }
    if url.host_str().is_none_or(str::is_empty) {
        report.error(pos, format!("`http.url` `{text}` has no host"));
        return None;
    }
    Some(url)
}

/// Checks headers in file order, which the raw map does not keep.
fn check_headers(
    raw: &RawHttpSource,
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
        let Some(value) = raw.headers.get(name) else {
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
        let value_fields = Fields::new(value_node);
        match check_header_value(name, &value.0) {
            Ok(value) => headers.push(Header {
                name: name.to_string(),
                value,
            }),
            Err(message) => {
                report.error(value_fields.pos(), message);
                valid = false;
            }
        }
    }
    valid.then_some(headers)
}

fn check_header_value(name: &str, text: &str) -> Result<SecretValue, String> {
    if let Some(variable) = text.strip_prefix("env:") {
        let variable = variable.trim();
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
        return Ok(SecretValue::Env(variable.to_string()));
    }
    // A reference the reader might expect to be resolved would otherwise be sent as is.
    for prefix in ["secret:", "ssm:"] {
        if text.starts_with(prefix) {
            return Err(format!(
                "header `{name}`: `{prefix}` references are not supported; set an \
                 environment variable from the secret and write `env:NAME`"
            ));
        }
    }
    if HeaderValue::from_str(text).is_err() {
        return Err(format!(
            "header `{name}` has a value HTTP does not allow: only visible ASCII characters, \
             spaces and tabs, with no line breaks"
        ));
    }
    Ok(SecretValue::Literal(text.to_string()))
}
