//! YAML text to a node tree that knows where every value is, and the positions and
//! messages of the errors found while reading it.
//!
//! marked-yaml gives every node a start marker. Three quirks shape this file:
//! - a block mapping's marker is the `:` after its first key, so a mapping is placed at
//!   its first key instead ([`node_pos`]);
//! - serde errors carry a position only with the `serde-path` feature, which we enable;
//! - a scalar's marker is its first character, the quote of a quoted scalar, or the first
//!   content line of a block scalar; a position inside one is found by walking the text
//!   from there ([`Source::pos_in_scalar`]).

use marked_yaml::{LoaderOptions, Marker, Node, types::MarkedScalarNode};
use serde::Deserialize;

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
    let duplicates = duplicate_keys(text, kind)?;
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

/// Every duplicate key of `text`, or the error that stops the parse.
///
/// The parser stops at the first duplicate key. To find the next one, the file is parsed
/// again with that key renamed to a placeholder of the same length, so that every other
/// position stays as it is, and so on. A key whose text is not written verbatim (with
/// escapes), or too short to take another placeholder, ends the search there.
fn duplicate_keys(text: &str, kind: FileKind) -> Result<Vec<Diagnostic>, Diagnostic> {
    let strict = || {
        LoaderOptions::default()
            .prevent_coercion(true)
            .error_on_duplicate_keys(true)
    };
    let mut working = text.to_string();
    let mut duplicates = Vec::new();
    for renamed in 0usize.. {
        let error = match marked_yaml::parse_yaml_with_options(0, &working, strict()) {
            Ok(_) => break,
            Err(error) => error,
        };
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

/// Where a node starts, as a reader would point at it: a mapping at its first key or its
/// `{`, whichever comes first.
pub fn node_pos(node: &Node) -> Pos {
    let start = node.span().start().map(Pos::of);
    let first_key = node
        .as_mapping()
        .and_then(|mapping| mapping.keys().next())
        .and_then(|key| key.span().start())
        .map(Pos::of);
    match (start, first_key) {
        (Some(start), Some(key)) => start.min(key),
        (start, key) => start.or(key).unwrap_or(Pos::START),
    }
}

/// The fields of a mapping node, for finding where each one is. Lookups on a node that is
/// not a mapping find nothing, and positions fall back to the node's own.
#[derive(Debug, Clone, Copy)]
pub struct Fields<'n> {
    node: &'n Node,
}

impl<'n> Fields<'n> {
    /// The fields of `node`.
    pub fn new(node: &'n Node) -> Fields<'n> {
        Fields { node }
    }

    /// The node itself.
    pub fn node(&self) -> &'n Node {
        self.node
    }

    /// Where the node starts.
    pub fn pos(&self) -> Pos {
        node_pos(self.node)
    }

    /// The value of `key`, if the node is a mapping that has it.
    pub fn value(&self, key: &str) -> Option<&'n Node> {
        self.node.as_mapping()?.get_node(key)
    }

    /// Whether the node is a mapping that has `key`, whatever its value.
    pub fn has(&self, key: &str) -> bool {
        self.value(key).is_some()
    }

    /// Whether `key` is written, or misspelt as a key whose unknown-field error already
    /// names `key` as the likely meaning: a rule with `critcal` is then not also told that
    /// it has no condition. Only for keys that no other field of the mapping is as close
    /// to, or that field would count as a misspelling.
    pub fn written(&self, key: &str) -> bool {
        self.node.as_mapping().is_some_and(|mapping| {
            mapping
                .keys()
                .any(|name| name.as_str() == key || closest(name.as_str(), &[key]).is_some())
        })
    }

    /// The value of `key` if it is a scalar.
    pub fn scalar(&self, key: &str) -> Option<&'n MarkedScalarNode> {
        self.value(key)?.as_scalar()
    }

    /// The key node `key` itself.
    pub fn key(&self, key: &str) -> Option<&'n MarkedScalarNode> {
        let mapping = self.node.as_mapping()?;
        mapping.keys().find(|k| k.as_str() == key)
    }

    /// Where the value of `key` is; where the node is when it has no such key.
    pub fn value_pos(&self, key: &str) -> Pos {
        match self.value(key) {
            Some(value) if is_empty_value(value) => self.key_pos(key),
            Some(value) => node_pos(value),
            None => self.pos(),
        }
    }

    /// Where the key `key` is; where the node is when it has no such key.
    pub fn key_pos(&self, key: &str) -> Pos {
        self.key(key)
            .and_then(|k| k.span().start())
            .map_or_else(|| self.pos(), Pos::of)
    }

    /// The fields of the value of `key`, if it has one.
    pub fn nested(&self, key: &str) -> Option<Fields<'n>> {
        self.value(key).map(Fields::new)
    }

    /// The fields of the value of `key`, which the caller knows is there because its raw
    /// value was read; this node's own if not, so that positions stay close.
    pub fn present(&self, key: &str) -> Fields<'n> {
        self.nested(key).unwrap_or(*self)
    }
}

/// The file's text, by line, for positions inside scalars.
#[derive(Debug)]
pub struct Source<'t> {
    lines: Vec<&'t str>,
}

impl<'t> Source<'t> {
    /// Splits `text` into lines.
    pub fn new(text: &'t str) -> Source<'t> {
        Source {
            lines: without_bom(text).lines().collect(),
        }
    }

    /// The `&` of the anchor that the parser reports at the node after it, if it is on the
    /// same line.
    fn anchor_before(&self, pos: Pos) -> Pos {
        let ampersand = self.lines.get(pos.line - 1).and_then(|line| {
            let before: Vec<char> = line.chars().take(pos.column - 1).collect();
            before.iter().rposition(|&c| c == '&')
        });
        match ampersand {
            Some(index) => Pos {
                line: pos.line,
                column: index + 1,
            },
            None => pos,
        }
    }

    /// The `-` of each element of a block list whose first `-` is at `first`: every `-`
    /// below it in the same column, up to the first line that is indented no deeper and is
    /// not one. A flow list (`[a, b]`) has none.
    pub fn block_entries(&self, first: Pos) -> Vec<Pos> {
        let column = first.column;
        let mut dashes = Vec::new();
        for (index, text) in self.lines.iter().enumerate().skip(first.line - 1) {
            let chars: Vec<char> = text.chars().collect();
            let indent = chars.iter().take_while(|c| **c == ' ').count();
            let code = without_comment(&chars[indent..]);
            if code.iter().all(|c| c.is_whitespace()) {
                continue;
            }
            let is_entry = indent + 1 == column
                && code[0] == '-'
                && code.get(1).is_none_or(|c| c.is_whitespace());
            if is_entry {
                dashes.push(Pos {
                    line: index + 1,
                    column,
                });
            } else if indent < column {
                break;
            }
        }
        dashes
    }

    fn char_at(&self, pos: Pos) -> Option<char> {
        let line = self.lines.get(pos.line.checked_sub(1)?)?;
        line.chars().nth(pos.column.checked_sub(1)?)
    }

    /// Where the character at `offset` (in characters) of a scalar's value is in the file.
    ///
    /// Folding only turns line breaks and the indentation around them into spaces or
    /// newlines, so the value's characters other than blanks are the file's, in order.
    /// Walking both from the scalar's start and pairing them places a character exactly in
    /// plain, quoted, literal and folded scalars, on one line or several; a blank is placed
    /// after the character before it. The walk cannot see through escapes (`\t` or `''`
    /// in a quoted scalar); from the first one on, it gives the scalar's start instead.
    pub fn pos_in_scalar(&self, scalar: &MarkedScalarNode, offset: usize) -> Pos {
        let Some(start) = scalar.span().start().map(Pos::of) else {
            return Pos::START;
        };
        let value: Vec<char> = scalar.as_str().chars().collect();
        // A block scalar is marked at its first content line, which may start with a quote
        // that is part of the value.
        let content = match self.char_at(start) {
            Some(quote @ ('"' | '\'')) if value.first() != Some(&quote) => Pos {
                column: start.column + 1,
                ..start
            },
            _ => start,
        };
        let offset = offset.min(value.len());

        let mut file = self.non_blanks_from(content);
        // The last non-blank character of the value up to `offset`, and where it is.
        let mut last: Option<(usize, Pos)> = None;
        let end = (offset + 1).min(value.len());
        for (index, &c) in value[..end].iter().enumerate() {
            if c.is_whitespace() {
                continue;
            }
            match file.next() {
                Some((pos, found)) if found == c => last = Some((index, pos)),
                _ => return start,
            }
        }
        match last {
            Some((index, pos)) if index == offset => pos,
            Some((index, pos)) => {
                let blanks = &value[index + 1..offset];
                let column = if blanks.contains(&'\n') {
                    pos.column + 1
                } else {
                    pos.column + blanks.len() + 1
                };
                Pos { column, ..pos }
            }
            None => content,
        }
    }

    /// The characters other than blanks from `from` on, with their positions.
    fn non_blanks_from(&self, from: Pos) -> impl Iterator<Item = (Pos, char)> + '_ {
        self.lines
            .iter()
            .enumerate()
            .skip(from.line - 1)
            .flat_map(move |(index, line)| {
                let skip = if index + 1 == from.line {
                    from.column - 1
                } else {
                    0
                };
                line.chars()
                    .enumerate()
                    .skip(skip)
                    .filter(|(_, c)| !c.is_whitespace())
                    .map(move |(column, c)| {
                        let pos = Pos {
                            line: index + 1,
                            column: column + 1,
                        };
                        (pos, c)
                    })
            })
    }
}

/// The characters of a line before its comment: a `#` at the start or after a blank. A `#`
/// inside quotes after a blank is taken for a comment too, which only shifts a position
/// that is already a best guess.
fn without_comment(chars: &[char]) -> &[char] {
    let start = (0..chars.len())
        .find(|&i| chars[i] == '#' && (i == 0 || chars[i - 1].is_whitespace()))
        .unwrap_or(chars.len());
    &chars[..start]
}

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

/// Is `node` a value left empty, as in `renotify:` with nothing after it? The parser marks
/// such a value at the next token, which may be lines below, so it is placed at its key.
pub fn is_empty_value(node: &Node) -> bool {
    node.as_scalar()
        .is_some_and(|scalar| scalar.is_empty() && scalar.may_coerce())
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
        let suggestion = closest(field, allowed)
            .map(|name| format!(" (did you mean `{name}`?)"))
            .unwrap_or_default();
        let list = allowed
            .iter()
            .map(|name| format!("`{name}`"))
            .collect::<Vec<_>>()
            .join(", ");
        format!(
            "unknown field `{field}` in {}{suggestion}; the allowed fields are {list}",
            self.parent()
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

    fn scalar<'n>(root: &'n Node, key: &str) -> &'n MarkedScalarNode {
        root.as_mapping().unwrap().get_scalar(key).unwrap()
    }

    #[test]
    fn positions_inside_plain_quoted_and_block_scalars() {
        let text = "plain: a + $\nquoted: \"a + $\"\nsingle:   'x'\nblock: |\n  one\n  two $\n";
        let root = parse(text).unwrap().root;
        let source = Source::new(text);

        let pos = |key, offset| source.pos_in_scalar(scalar(&root, key), offset);
        assert_eq!(
            pos("plain", 4),
            Pos {
                line: 1,
                column: 12
            }
        );
        assert_eq!(
            pos("quoted", 4),
            Pos {
                line: 2,
                column: 14
            }
        );
        assert_eq!(
            pos("single", 0),
            Pos {
                line: 3,
                column: 12
            }
        );
        assert_eq!(pos("block", 8), Pos { line: 6, column: 7 });
    }

    #[test]
    fn positions_inside_folded_and_multi_line_scalars_are_exact() {
        let text = "folded: >\n  Churn is\n    {{ valeu }}\n\n  of $x\nstripped: >-\n  a b\n  \
                    c $\nplain: one\n  two $\n  three\nquoted: \"one\n  two $\"\n";
        let root = parse(text).unwrap().root;
        let source = Source::new(text);
        let pos = |key, needle: &str| {
            let scalar = scalar(&root, key);
            let offset = scalar.as_str().chars().count()
                - scalar
                    .as_str()
                    .split(needle)
                    .last()
                    .unwrap()
                    .chars()
                    .count()
                - needle.chars().count();
            source.pos_in_scalar(scalar, offset)
        };

        assert_eq!(
            scalar(&root, "folded").as_str(),
            "Churn is\n  {{ valeu }}\n\nof $x\n"
        );
        assert_eq!(pos("folded", "valeu"), Pos { line: 3, column: 8 });
        assert_eq!(pos("folded", "$"), Pos { line: 5, column: 6 });
        assert_eq!(pos("stripped", "$"), Pos { line: 8, column: 5 });
        assert_eq!(
            pos("plain", "$"),
            Pos {
                line: 10,
                column: 7
            }
        );
        assert_eq!(
            pos("quoted", "$"),
            Pos {
                line: 13,
                column: 7
            }
        );
    }

    #[test]
    fn a_blank_or_the_end_is_placed_after_the_character_before_it() {
        let text = "a: >-\n  {% if x %}\n  {{ y\nb: one  two\n";
        let root = parse(text).unwrap().root;
        let source = Source::new(text);
        let end = scalar(&root, "a").as_str().chars().count();
        assert_eq!(
            source.pos_in_scalar(scalar(&root, "a"), end),
            Pos { line: 3, column: 7 }
        );
        assert_eq!(
            source.pos_in_scalar(scalar(&root, "b"), 4),
            Pos { line: 4, column: 8 }
        );
    }

    #[test]
    fn positions_fall_back_to_the_scalar_start_when_the_text_differs() {
        let text = "escaped: \"a\\tb $\"\n";
        let root = parse(text).unwrap().root;
        let source = Source::new(text);
        let pos = source.pos_in_scalar(scalar(&root, "escaped"), 4);
        assert_eq!(
            pos,
            Pos {
                line: 1,
                column: 10
            }
        );
    }

    #[test]
    fn empty_values_are_placed_at_their_key_or_their_dash() {
        let text = "a:\n  empty:   # nothing\n  next: 1\nlist:\n  -\n  - x\n";
        let root = parse(text).unwrap().root;
        let a = Fields::new(root.as_mapping().unwrap().get_node("a").unwrap());
        assert_eq!(a.value_pos("empty"), Pos { line: 2, column: 3 });

        let list = root.as_mapping().unwrap().get_node("list").unwrap();
        assert!(is_empty_value(&list.as_sequence().unwrap()[0]));
        assert_eq!(
            Source::new(text).block_entries(node_pos(list)),
            vec![Pos { line: 5, column: 3 }, Pos { line: 6, column: 3 }]
        );
    }

    #[test]
    fn block_mappings_are_placed_at_their_first_key() {
        let text = "list:\n  - id: a\n    x: 1\n  - { id: b }\n";
        let root = parse(text).unwrap().root;
        let items = root.as_mapping().unwrap().get_sequence("list").unwrap();
        assert_eq!(node_pos(&items[0]), Pos { line: 2, column: 5 });
        assert_eq!(node_pos(&items[1]), Pos { line: 4, column: 5 });
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
    fn a_byte_order_mark_is_neither_part_of_the_first_key_nor_a_column() {
        let text = "\u{feff}rules: x $\n";
        let root = parse(text).unwrap().root;
        let rules = scalar(&root, "rules");
        assert_eq!(node_pos(&root), Pos::START);
        assert_eq!(
            Source::new(text).pos_in_scalar(rules, 2),
            Pos {
                line: 1,
                column: 10
            }
        );
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

    #[test]
    fn suggests_close_names_only() {
        assert_eq!(
            closest("critcal", &["critical", "warning"]),
            Some("critical")
        );
        assert_eq!(closest("zzz", &["critical", "warning"]), None);
    }
}
