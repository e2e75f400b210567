//! `sources`: where metrics come from.

use std::path::Path;
use std::time::Duration;

use marked_yaml::Node;

use super::headers::check_headers;
use super::report::Report;
use super::values::{self, Limit};
use super::{FirstSeen, required};
use crate::config::raw::{RawFileSource, RawHttpSource, RawSource};
use crate::config::yaml::Fields;
use crate::config::{HttpSource, Source, SourceKind};

/// How long an HTTP source may take when the config does not say.
const DEFAULT_TIMEOUT: Duration = Duration::from_secs(10);

/// The longest timeout allowed: a run waits for its slowest source, and a scheduled
/// Lambda has minutes, not hours.
const MAX_TIMEOUT: Limit = Limit {
    max: Duration::from_secs(5 * 60),
    written: "5m",
};

/// Checks every source; returns those that could be read at all.
pub fn check_sources(items: &[&Node], base_dir: &Path, report: &mut Report<'_>) -> Vec<Source> {
    let mut seen = FirstSeen::default();
    let mut sources = Vec::new();
    for node in items {
        let Some(raw) = report.read::<RawSource>(node, "this source", "") else {
            continue;
        };
        let fields = Fields::new(node);
        let id = required(raw.id.clone(), fields, "id", "this source", report);
        if let Some(id) = &id {
            check_source_id(id, fields, &mut seen, report);
        }
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
    let subject = match &raw.id {
        Some(id) => format!("source `{id}`"),
        None => "this source".to_string(),
    };
    // Which kinds are written is read from the file, since one that failed to read is
    // absent from `raw`, and a misspelt one has its own error.
    let kind = match (fields.written("file"), fields.written("http")) {
        (true, true) => {
            report.error(
                fields.key_pos("http"),
                format!("{subject} has both `file` and `http`; keep one of them"),
            );
            None
        }
        (false, false) => {
            report.error(
                fields.pos(),
                format!("{subject} has neither `file` nor `http`; add one of them"),
            );
            None
        }
        _ => match (raw.file, raw.http) {
            (Some(file), _) => check_file(&file, fields.present("file"), base_dir, report),
            (_, Some(http)) => check_http(&http, fields.present("http"), report),
            (None, None) => None,
        },
    };
    Some(Source {
        id: raw.id?,
        kind: kind?,
    })
}

fn check_file(
    raw: &RawFileSource,
    fields: Fields<'_>,
    base_dir: &Path,
    report: &mut Report<'_>,
) -> Option<SourceKind> {
    let path = required(raw.path.as_ref(), fields, "path", "`file`", report)?;
    if path.trim().is_empty() {
        report.error(
            fields.value_pos("path"),
            "`file.path` is empty; name a JSON file",
        );
        return None;
    }
    // Only a shell expands `~`; here it would name a folder called `~` beside the config.
    if path == "~" || path.starts_with("~/") {
        report.error(
            fields.value_pos("path"),
            format!(
                "`file.path` `{path}` starts with `~`, which kpiwatch does not expand to the \
                 home folder; write the path in full, or relative to the config file's folder"
            ),
        );
        return None;
    }
    Some(SourceKind::File {
        path: base_dir.join(path),
    })
}

fn check_http(
    raw: &RawHttpSource,
    fields: Fields<'_>,
    report: &mut Report<'_>,
) -> Option<SourceKind> {
    let url = required(raw.url.as_deref(), fields, "url", "`http`", report)
        .and_then(|url| check_url(url, fields, report));
    let timeout = match &raw.timeout {
        None => Some(DEFAULT_TIMEOUT),
        Some(text) => {
            let pos = fields.value_pos("timeout");
            values::positive_duration(text, pos, "http.timeout", MAX_TIMEOUT, report)
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
    let parsed = url::Url::parse(text.trim());
    if let Some(with_scheme) = missing_scheme(text.trim(), parsed.as_ref().ok()) {
        report.error(
            pos,
            format!(
                "`http.url` `{text}` has no scheme; add `http://` or `https://` in front, as in \
                 `{with_scheme}`"
            ),
        );
        return None;
    }
    let url = match parsed {
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

/// The URL with `http://` in front, when `text` reads as a host and path written without
/// a scheme: `example.com/kpis`, which does not parse, or `localhost:8080/kpis`, which
/// parses with `localhost` as its scheme and `8080/kpis` as its path.
fn missing_scheme(text: &str, parsed: Option<&url::Url>) -> Option<String> {
    if text.contains("://") {
        return None;
    }
    let looks_like_a_port = |url: &url::Url| url.path().starts_with(|c: char| c.is_ascii_digit());
    if parsed.is_some_and(|url| !looks_like_a_port(url)) {
        return None;
    }
    let with_scheme = format!("http://{text}");
    let url = url::Url::parse(&with_scheme).ok()?;
    url.host_str()
        .is_some_and(|host| !host.is_empty())
        .then_some(with_scheme)
}
