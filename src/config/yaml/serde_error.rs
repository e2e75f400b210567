//! A serde error, read from a node tree, as a positioned sentence about the config.

use marked_yaml::types::MarkedScalarNode;
use marked_yaml::{Marker, Node};
use serde::Deserialize;

use super::{Diagnostic, Pos, is_empty_value, node_pos};

/// Deserializes `node` into a raw type, turning a failure into a positioned sentence.
///
/// `what` names the node when the error is about the node itself ("this rule",
/// "`defaults`"); `prefix` is prepended to the paths of fields inside it ("defaults.").
pub fn deserialize<'n, T: Deserialize<'n>>(
    node: &'n Node,
    what: &str,
    prefix: &str,
) -> Result<T, Diagnostic> {
    marked_yaml::from_node(node).map_err(|error| describe(node, &error, what, prefix))
}

/// The positioned sentence for a serde `error` met while reading `root` or a copy of part
/// of it (whose nodes keep their markers); see [`deserialize`] for `what` and `prefix`.
pub fn describe(
    root: &Node,
    error: &marked_yaml::FromNodeError,
    what: &str,
    prefix: &str,
) -> Diagnostic {
    let pos = error
        .start_mark()
        .map_or_else(|| node_pos(root), |mark| pos_of_marker(root, &mark));
    let scalar = error.start_mark().and_then(|mark| find_scalar(root, &mark));
    let context = ErrorContext {
        path: error.path(),
        what,
        prefix,
        scalar,
    };
    Diagnostic::new(pos, context.message(error))
}

/// The node a serde error points at, placed as [`node_pos`] places it.
fn pos_of_marker(root: &Node, mark: &Marker) -> Pos {
    match find_node(root, mark, None) {
        Some((node, Some(key))) if is_empty_value(node) => key_pos(key),
        Some((node, _)) => node_pos(node),
        None => Pos::of(mark),
    }
}

/// The node that starts at `mark`, with the key it is the value of, if any.
fn find_node<'n>(
    node: &'n Node,
    mark: &Marker,
    key: Option<&'n MarkedScalarNode>,
) -> Option<(&'n Node, Option<&'n MarkedScalarNode>)> {
    if node.span().start() == Some(mark) {
        return Some((node, key));
    }
    match node {
        Node::Scalar(_) => None,
        Node::Sequence(items) => items.iter().find_map(|item| find_node(item, mark, None)),
        Node::Mapping(mapping) => mapping
            .iter()
            .find_map(|(key, value)| find_node(value, mark, Some(key))),
    }
}

fn find_scalar<'n>(node: &'n Node, mark: &Marker) -> Option<&'n MarkedScalarNode> {
    find_node(node, mark, None)?.0.as_scalar()
}

fn key_pos(key: &MarkedScalarNode) -> Pos {
    key.span().start().map_or(Pos::START, Pos::of)
}

struct ErrorContext<'a> {
    path: Option<&'a str>,
    what: &'a str,
    prefix: &'a str,
    scalar: Option<&'a MarkedScalarNode>,
}

impl ErrorContext<'_> {
    fn message(&self, error: &marked_yaml::FromNodeError) -> String {
        use marked_yaml::Error;
        match &**error {
            Error::NotBoolean(_) => format!(
                "{} must be `true` or `false`, not {}",
                self.subject(),
                self.found_or("this value")
            ),
            Error::IntegerParseFailure(..) => format!(
                "{} must be a whole number from 0 to {}, not {}",
                self.subject(),
                u32::MAX,
                self.found_or("this value")
            ),
            Error::FloatParseFailure(..) => format!(
                "{} must be a number, not {}",
                self.subject(),
                self.found_or("this value")
            ),
            Error::UnknownFieldError(field, allowed, _) => self.unknown_field(field, allowed),
            Error::Other(message, _) => self.rephrase(message),
        }
    }

    /// The field the error is about: its path, or the node itself.
    fn subject(&self) -> String {
        match self.path {
            Some(path) => format!("`{}{path}`", self.prefix),
            None => self.what.to_string(),
        }
    }

    /// The mapping that holds the field the error is about.
    fn parent(&self) -> String {
        match self.path.and_then(|path| path.rsplit_once('.')) {
            Some((parent, _)) => format!("`{}{parent}`", self.prefix),
            None => self.what.to_string(),
        }
    }

    /// The value found, as written. Quotes are shown, since they are often the problem:
    /// `"true"` is text, not a boolean.
    fn found(&self) -> Option<String> {
        let scalar = self.scalar?;
        Some(match scalar.as_str() {
            "" if scalar.may_coerce() => "an empty value".to_string(),
            text if scalar.may_coerce() => format!("`{text}`"),
            text => format!("the quoted text `\"{text}\"`"),
        })
    }

    fn found_or(&self, serde_found: &str) -> String {
        self.found().unwrap_or_else(|| plain_found(serde_found))
    }

    fn unknown_field(&self, field: &str, allowed: &[&str]) -> String {
        format!(
            "unknown field `{field}` in {}{}",
            self.parent(),
            suggest_and_list(field, allowed)
        )
    }

    /// Rewrites serde's generic messages as sentences about the config.
    fn rephrase(&self, message: &str) -> String {
        if let Some(field) = message
            .strip_prefix("missing field `")
            .and_then(|rest| rest.strip_suffix('`'))
        {
            return format!("{} is missing the required field `{field}`", self.subject());
        }
        if let Some((_, expected)) = message
            .strip_prefix("invalid length ")
            .and_then(|rest| rest.split_once(", expected "))
        {
            // Only a list is read by length where a mapping is expected.
            return format!("{} must be {expected}, not a list", self.subject());
        }
        if let Some((found, expected)) = message
            .strip_prefix("invalid type: ")
            .or_else(|| message.strip_prefix("invalid value: "))
            .and_then(|rest| rest.split_once(", expected "))
        {
            return format!(
                "{} must be {}, not {}",
                self.subject(),
                plain_expected(shape(expected)),
                self.found_or(found)
            );
        }
        if let Some(rest) = message.strip_prefix("unknown variant ") {
            let (variant, expected) = rest.split_once(", ").unwrap_or((rest, ""));
            let variant = if variant == "``" {
                "empty".to_string()
            } else {
                variant.to_string()
            };
            return format!("{} cannot be {variant}; {expected}", self.subject());
        }
        format!("{}: {message}", self.subject())
    }
}

/// What a struct's `expecting` text says it looks like: `a rule: a mapping with ...` is
/// said of something already named "this rule", so only `a mapping with ...` is kept.
pub fn shape(expected: &str) -> &str {
    match expected.split_once(": ") {
        Some((name, shape)) if !name.contains('`') => shape,
        _ => expected,
    }
}

/// serde names Rust types where a reader expects YAML words.
fn plain_expected(expected: &str) -> String {
    match expected {
        "u8" | "u16" | "u32" | "u64" => "a whole number".to_string(),
        "a map" => "a mapping".to_string(),
        "a sequence" => "a list".to_string(),
        "a borrowed string" => "a string".to_string(),
        other => other.to_string(),
    }
}

fn plain_found(found: &str) -> String {
    if let Some(text) = found.strip_prefix("string ") {
        let text = text.trim_matches('"');
        return if text.is_empty() {
            "an empty value".to_string()
        } else {
            format!("`{text}`")
        };
    }
    match found {
        "map" => "a mapping".to_string(),
        "sequence" => "a list".to_string(),
        other => other.to_string(),
    }
}

/// What follows the name of an unknown field in its message: the allowed name it is
/// likely a misspelling of, if any, and the allowed names.
pub fn suggest_and_list(field: &str, allowed: &[&str]) -> String {
    let suggestion = closest(field, allowed)
        .map(|name| format!(" (did you mean `{name}`?)"))
        .unwrap_or_default();
    let list = allowed
        .iter()
        .map(|name| format!("`{name}`"))
        .collect::<Vec<_>>()
        .join(", ");
    format!("{suggestion}; the allowed fields are {list}")
}

/// The allowed name closest to a misspelt one, if one is close enough to suggest.
pub fn closest<'a>(name: &str, allowed: &[&'a str]) -> Option<&'a str> {
    allowed
        .iter()
        .map(|candidate| (strsim::jaro_winkler(name, candidate), *candidate))
        .filter(|(score, _)| *score >= 0.8)
        .max_by(|a, b| a.0.total_cmp(&b.0))
        .map(|(_, candidate)| candidate)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn suggests_close_names_only() {
        assert_eq!(
            closest("critcal", &["critical", "warning"]),
            Some("critical")
        );
        assert_eq!(closest("zzz", &["critical", "warning"]), None);
    }
}
