//! YAML text to a node tree that knows where every value is, and the positions and
//! messages of the errors found while reading it.
//!
//! marked-yaml gives every node a start marker. Three quirks shape this module:
//! - a block mapping's marker is the `:` after its first key, so a mapping is placed at
//!   its first key instead ([`node_pos`]);
//! - serde errors carry a position only with the `serde-path` feature, which we enable;
//! - a scalar's marker is its first character, the quote of a quoted scalar, or the first
//!   content line of a block scalar; a position inside one is found by walking the text
//!   from there ([`Source::pos_in_scalar`]).
//!
//! Reading the text is here; where a node is ([`Fields`]), where a character of the text
//! is ([`Source`]) and what a serde error means ([`deserialize`]) each have their file.

mod fields;
mod serde_error;
mod source;

use marked_yaml::{LoaderOptions, Marker, Node, types::MarkedScalarNode};

pub use fields::{Fields, is_empty_value, node_pos};
pub use serde_error::{closest, describe, deserialize, shape, suggest_and_list};
pub use source::Source;

/// A 1-based line and column, in characters.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct Pos {
    /// 1-based line.
    pub line: usize,
    /// 1-based column.
    pub column: usize,
}

impl Pos {
    /// The start of the file.
    pub const START: Pos = Pos { line: 1, column: 1 };

    fn of(marker: &Marker) -> Pos {
        Pos {
            line: marker.line().max(1),
            column: marker.column().max(1),
        }
    }
}

/// A problem at a position.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Diagnostic {
    /// Where.
    pub pos: Pos,
    /// One sentence.
    pub message: String,
}

impl Diagnostic {
    /// A problem at `pos`.
    pub fn new(pos: Pos, message: impl Into<String>) -> Diagnostic {
        Diagnostic {
            pos,
            message: message.into(),
        }
    }
}

/// A parsed YAML file, with the problems that did not stop the parse.
#[derive(Debug)]
pub struct Document {
    /// The top-level mapping.
    pub root: Node,
    /// Problems found while parsing that leave the tree usable: duplicate keys.
    pub diagnostics: Vec<Diagnostic>,
}

/// What kind of file is being read, for the sentences about its top level.
#[derive(Debug, Clone, Copy)]
pub struct FileKind {
    /// The file as a sentence names it: "the config".
    pub name: &'static str,
    /// Two of its top-level keys, to show what the file looks like.
    pub keys: &'static str,
    /// What to do instead of a YAML anchor.
    pub instead_of_anchors: &'static str,
}

/// `kpiwatch.yaml`.
pub const CONFIG_FILE: FileKind = FileKind {
    name: "the config",
    keys: "`sources` and `rules`",
    instead_of_anchors: "repeat the value, or put shared rule settings under `defaults`",
};

/// Parses a config file; see [`parse_file`].
pub fn parse(text: &str) -> Result<Document, Diagnostic> {
    parse_file(text, CONFIG_FILE)
}

/// Parses YAML text whose top level must be a mapping.
///
/// Quoted scalars are never coerced, so `"3"` stays a string where a number is expected,
/// as a YAML 1.2 editor and the JSON Schema see it. Every duplicate key is reported (see
/// [`duplicate_keys`]), and the tree keeps the last value of each, so that the rest of the
/// file is still checked.
pub fn parse_file(text: &str, kind: FileKind) -> Result<Document, Diagnostic> {
    let text = without_bom(text);
    // Most files have no duplicate key, and then the strict parse is the only one: the
    // Lambda reads its config at every cold start.
    let error = match marked_yaml::parse_yaml_with_options(0, text, strict()) {
        Ok(root) => {
            return Ok(Document {
                root,
                diagnostics: second_document(text, kind).into_iter().collect(),
            });
        }
        Err(error) => error,
    };
    let duplicates = duplicate_keys(text, error, kind)?;
    let lenient = LoaderOptions::default().prevent_coercion(true);
    match marked_yaml::parse_yaml_with_options(0, text, lenient) {
        Ok(root) => Ok(Document {
            root,
            diagnostics: duplicates
                .into_iter()
                .chain(second_document(text, kind))
                .collect(),
        }),
        Err(error) => Err(duplicates
            .into_iter()
            .next()
            .unwrap_or_else(|| load_error(&error, text, kind))),
    }
}

/// Parsing that stops at the first duplicate key, and reads quoted scalars as written.
fn strict() -> LoaderOptions {
    LoaderOptions::default()
        .prevent_coercion(true)
        .error_on_duplicate_keys(true)
}

/// Every duplicate key of `text`, given the error of its strict parse, or the error that
/// stops the parse.
///
/// The parser stops at the first duplicate key. To find the next one, the file is parsed
/// again with that key renamed to a placeholder of the same length, so that every other
/// position stays as it is, and so on. A key whose text is not written verbatim (with
/// escapes), or too short to take another placeholder, ends the search there.
fn duplicate_keys(
    text: &str,
    first_error: marked_yaml::LoadError,
    kind: FileKind,
) -> Result<Vec<Diagnostic>, Diagnostic> {
    let mut working = text.to_string();
    let mut duplicates = Vec::new();
    let mut error = first_error;
    for renamed in 0usize.. {
        let marked_yaml::LoadError::DuplicateKey(inner) = &error else {
            if duplicates.is_empty() {
                return Err(load_error(&error, text, kind));
            }
            break;
        };
        duplicates.push(load_error(&error, &working, kind));
        match rename_key(&working, &inner.key, renamed) {
            Some(renamed_text) => working = renamed_text,
            None => break,
        }
        error = match marked_yaml::parse_yaml_with_options(0, &working, strict()) {
            Ok(_) => break,
            Err(error) => error,
        };
    }
    Ok(duplicates)
}

/// `text` with `key` renamed to the `nth` placeholder of its length, a number such as
/// `007`; `None` if the key is not written as its value or is too short for one.
fn rename_key(text: &str, key: &MarkedScalarNode, nth: usize) -> Option<String> {
    let pos = Pos::of(key.span().start()?);
    let name: Vec<char> = key.as_str().chars().collect();
    let placeholder = format!("{nth:0width$}", width = name.len());
    if name.is_empty() || placeholder.len() > name.len() {
        return None;
    }

    let mut renamed = String::with_capacity(text.len());
    for (index, line) in text.split_inclusive('\n').enumerate() {
        if index + 1 != pos.line {
            renamed.push_str(line);
            continue;
        }
        let chars: Vec<char> = line.chars().collect();
        let quoted = matches!(chars.get(pos.column - 1), Some('"' | '\''));
        let start = pos.column - 1 + usize::from(quoted);
        if chars.get(start..start + name.len())? != name.as_slice() {
            return None;
        }
        renamed.extend(&chars[..start]);
        renamed.push_str(&placeholder);
        renamed.extend(&chars[start + name.len()..]);
    }
    Some(renamed)
}

/// `text` without the byte-order mark some Windows editors put first, which the parser
/// would read as part of the first key. Editors do not show it, so it takes no column.
pub fn without_bom(text: &str) -> &str {
    text.strip_prefix('\u{feff}').unwrap_or(text)
}

/// The parser reads the first document of a stream and ignores the rest, so a `---` after
/// content would silently drop everything below it.
fn second_document(text: &str, kind: FileKind) -> Option<Diagnostic> {
    let mut seen_content = false;
    for (index, line) in text.lines().enumerate() {
        let is_marker = line
            .strip_prefix("---")
            .is_some_and(|rest| rest.is_empty() || rest.starts_with([' ', '\t']));
        if is_marker && seen_content {
            return Some(Diagnostic::new(
                Pos {
                    line: index + 1,
                    column: 1,
                },
                format!(
                    "a second YAML document starts here, and would be ignored; {} is one \
                     document, so remove this `---` and merge what follows into the first",
                    kind.name
                ),
            ));
        }
        let trimmed = line.trim_start();
        if !(trimmed.is_empty() || trimmed.starts_with('#') || line.starts_with('%') || is_marker) {
            seen_content = true;
        }
    }
    None
}

fn load_error(error: &marked_yaml::LoadError, text: &str, kind: FileKind) -> Diagnostic {
    use marked_yaml::LoadError;
    match error {
        LoadError::TopLevelMustBeMapping(mark) => Diagnostic::new(
            Pos::of(mark),
            format!(
                "{} must be a mapping with keys such as {}",
                kind.name, kind.keys
            ),
        ),
        LoadError::TopLevelMustBeSequence(mark) => {
            Diagnostic::new(Pos::of(mark), "the top level must be a list")
        }
        LoadError::UnexpectedAnchor(mark) => Diagnostic::new(
            Source::new(text).anchor_before(Pos::of(mark)),
            format!(
                "YAML anchors and aliases are not supported; {}",
                kind.instead_of_anchors
            ),
        ),
        LoadError::MappingKeyMustBeScalar(mark) => Diagnostic::new(
            Pos::of(mark),
            "a mapping key must be a plain value, not a list or a mapping",
        ),
        LoadError::UnexpectedTag(mark) => Diagnostic::new(
            Pos::of(mark),
            "YAML tags such as `!!str` are not supported; quote the value instead",
        ),
        LoadError::ScanError(mark, scan) => {
            let pos = Pos::of(mark);
            let mut message = format!("YAML syntax error: {}", scan.info());
            // `critical: > 5` starts a folded block scalar: the commonest YAML slip here.
            let at = Source::new(text).char_at(pos);
            if matches!(at, Some('>' | '|')) {
                message.push_str(
                    "; a value that starts with `>` or `|` must be quoted, as in \
                     `critical: \"> 5\"`",
                );
            }
            Diagnostic::new(pos, message)
        }
        LoadError::DuplicateKey(inner) => {
            let pos = inner.key.span().start().map_or(Pos::START, Pos::of);
            let first = inner.prev_key.span().start().map_or(Pos::START, Pos::of);
            Diagnostic::new(
                pos,
                format!(
                    "duplicate key `{}`; it is already set on line {}",
                    inner.key.as_str(),
                    first.line
                ),
            )
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn scalar<'n>(root: &'n Node, key: &str) -> &'n MarkedScalarNode {
        root.as_mapping().unwrap().get_scalar(key).unwrap()
    }

    #[test]
    fn duplicate_keys_are_reported_and_the_tree_kept() {
        let document = parse("a: 1\nb: 2\na: 3\n").unwrap();
        assert_eq!(document.diagnostics.len(), 1);
        let diagnostic = &document.diagnostics[0];
        assert_eq!(diagnostic.pos, Pos { line: 3, column: 1 });
        assert!(diagnostic.message.contains("already set on line 1"));
        assert_eq!(scalar(&document.root, "a").as_str(), "3");
    }

    #[test]
    fn syntax_errors_have_positions_and_hint_at_unquoted_conditions() {
        let error = parse("rules:\n  - critical: > 5\n").unwrap_err();
        assert_eq!(
            error.pos,
            Pos {
                line: 2,
                column: 15
            }
        );
        assert!(
            error.message.contains("must be quoted"),
            "{}",
            error.message
        );

        let error = parse("a: [1, 2\nb: 3\n").unwrap_err();
        assert_eq!(error.pos.line, 2);
        assert!(error.message.starts_with("YAML syntax error"));
    }

    #[test]
    fn hostile_documents_give_positioned_errors_not_panics() {
        let cases = [
            (
                "a: &x 1\nb: *x\n",
                1,
                4,
                "anchors and aliases are not supported",
            ),
            ("b: *x\n", 1, 4, "unknown anchor"),
            ("- 1\n", 1, 1, "must be a mapping"),
            ("scalar", 1, 1, "must be a mapping"),
            ("? [a]\n: 1\n", 1, 3, "mapping key must be a plain value"),
            (
                "a: !!str 1\n",
                1,
                10,
                "tags such as `!!str` are not supported",
            ),
            ("a: \"unterminated\n", 1, 4, "quoted scalar"),
            ("{{{{{{{{{{{{{{{{{{{{", 2, 1, "YAML syntax error"),
            ("a:\n\t- 1\n", 2, 2, "tabs"),
        ];
        for (input, line, column, fragment) in cases {
            let error = parse(input).unwrap_err();
            assert_eq!(
                error.pos,
                Pos { line, column },
                "{input:?}: {}",
                error.message
            );
            assert!(
                error.message.contains(fragment),
                "{input:?}: {}",
                error.message
            );
        }
    }

    #[test]
    fn a_second_document_is_reported_and_a_lone_marker_is_not() {
        let document = parse("# config\na: 1\n---\nb: 2\n").unwrap();
        assert_eq!(document.diagnostics.len(), 1);
        assert_eq!(document.diagnostics[0].pos, Pos { line: 3, column: 1 });
        assert!(
            document.diagnostics[0]
                .message
                .contains("second YAML document")
        );

        for single in [
            "%YAML 1.2\n---\na: 1\n",
            "---\na: 1\n",
            "",
            "\u{feff}a: 1\n",
        ] {
            let document = parse(single).unwrap();
            assert_eq!(document.diagnostics, vec![], "{single:?}");
        }
    }

    #[test]
    fn every_duplicate_key_is_reported_and_the_last_value_kept() {
        let text = "a: 1\nb:\n  c: 1\n  c: 2\na: 2\n\"a\": 3\nd: { e: 1, e: 2 }\n";
        let document = parse(text).unwrap();
        let found: Vec<(Pos, &str)> = document
            .diagnostics
            .iter()
            .map(|d| (d.pos, d.message.as_str()))
            .collect();
        assert_eq!(
            found,
            vec![
                (
                    Pos { line: 4, column: 3 },
                    "duplicate key `c`; it is already set on line 3"
                ),
                (
                    Pos { line: 5, column: 1 },
                    "duplicate key `a`; it is already set on line 1"
                ),
                (
                    Pos { line: 6, column: 1 },
                    "duplicate key `a`; it is already set on line 1"
                ),
                (
                    Pos {
                        line: 7,
                        column: 12
                    },
                    "duplicate key `e`; it is already set on line 7"
                ),
            ]
        );
        assert_eq!(scalar(&document.root, "a").as_str(), "3");
    }
}
