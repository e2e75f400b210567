//! `sources`: where metrics come from.

use std::path::Path;
use std::time::Duration;

use marked_yaml::Node;

use super::FirstSeen;
use super::headers::check_headers;
use super::report::Report;
use super::values;
use crate::config::raw::{RawFileSource, RawHttpSource, RawSource};
use crate::config::yaml::Fields;
use crate::config::{HttpSource, Source, SourceKind};

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
    let headers = check_headers(&raw.headers, fields.nested("headers"), report);
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
