//! Where a node is, as a reader would point at it, and the fields of a mapping.

use marked_yaml::Node;
use marked_yaml::types::MarkedScalarNode;

use super::{Pos, closest};

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
            mapping.keys().any(|name| name.as_str() == key)
                || mapping
                    .keys()
                    .any(|name| closest(name.as_str(), &[key]).is_some())
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

/// Is `node` a value left empty, as in `renotify:` with nothing after it? The parser marks
/// such a value at the next token, which may be lines below, so it is placed at its key.
pub fn is_empty_value(node: &Node) -> bool {
    node.as_scalar()
        .is_some_and(|scalar| scalar.is_empty() && scalar.may_coerce())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::yaml::{Source, parse};

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
}
