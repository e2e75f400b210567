//! Reading a section of the file into its raw serde type without letting one bad field
//! hide the others.
//!
//! serde stops at the first error of a struct. When a mapping does not read, each of its
//! keys is tried on its own: the raw type is read from a copy of the section that keeps,
//! along the path down to that mapping, only that key. serde then checks the key against
//! its field's type, and nothing else can fail, because every field of the raw types is
//! optional: the validator checks the required ones, so that a missing one is one more
//! error rather than a reason to stop. A key holding a mapping with an error inside is
//! tried the same way, key by key, so that `change: { vs: 1x, as: ratio }` gives both
//! errors. Last, the section is read without the keys that failed, so that the validator
//! still checks every field that is fine.
//!
//! Reading each field by hand was turned down: it would repeat the name and type of every
//! field of the raw structs, which the JSON Schema is generated from, and the two would
//! drift apart.

use marked_yaml::types::{MarkedMappingNode, MarkedScalarNode};
use marked_yaml::{Marker, Node};
use serde::de::DeserializeOwned;

use super::report::Report;
use crate::config::yaml::{self, Diagnostic};

/// Reads `node` into `T`, reporting every field that does not fit its type. `None` only
/// when the node is not a mapping at all. See [`yaml::deserialize`] for `what` and
/// `prefix`.
pub fn read<T: DeserializeOwned>(
    node: &Node,
    what: &str,
    prefix: &str,
    report: &mut Report<'_>,
) -> Option<T> {
    // serde reads a struct from a list by position, which nobody means in YAML.
    if let Node::Sequence(_) = node {
        report.push(not_a_list::<T>(node, what));
        return None;
    }
    if let Ok(value) = marked_yaml::from_node(node) {
        return Some(value);
    }
    match node {
        Node::Sequence(_) => None,
        Node::Scalar(_) => report.deserialize(node, what, prefix),
        Node::Mapping(_) => {
            let section = Section {
                root: node,
                what,
                prefix,
            };
            let mut failed = Vec::new();
            section.diagnose::<T>(&mut Vec::new(), &mut failed, report);
            let rest = without(node, &failed);
            match marked_yaml::from_node(&rest) {
                Ok(value) => Some(value),
                // Nothing that can fail is left; should something, it is still reported.
                Err(error) => {
                    report.push(yaml::describe(node, &error, what, prefix));
                    None
                }
            }
        }
    }
}

/// The section being read, for the sentences about it.
struct Section<'a> {
    root: &'a Node,
    what: &'a str,
    prefix: &'a str,
}

impl Section<'_> {
    /// Tries each key of the mapping at `path` on its own, reports those that fail, and
    /// adds their paths to `failed`. Whether any failed.
    fn diagnose<T: DeserializeOwned>(
        &self,
        path: &mut Vec<String>,
        failed: &mut Vec<Vec<String>>,
        report: &mut Report<'_>,
    ) -> bool {
        let Some(mapping) = at(self.root, path).and_then(Node::as_mapping) else {
            return false;
        };
        let mut any_failed = false;
        for (key, value) in mapping.iter() {
            let trial = spine(self.root, path, key.as_str());
            let Err(error) = marked_yaml::from_node::<T>(&trial) else {
                continue;
            };
            any_failed = true;
            path.push(key.as_str().to_string());
            let found_inside = error
                .start_mark()
                .is_some_and(|mark| is_inside(value, &mark))
                && value.as_mapping().is_some()
                && self.diagnose::<T>(path, failed, report);
            if !found_inside {
                report.push(yaml::describe(self.root, &error, self.what, self.prefix));
                failed.push(path.clone());
            }
            path.pop();
        }
        any_failed
    }
}

/// Does a key or a node strictly inside `value` start at `mark`? An error there is about
/// part of the value; one at the value itself or at its key is about the whole.
fn is_inside(value: &Node, mark: &Marker) -> bool {
    let starts_here = |node: &Node| node.span().start() == Some(mark) || is_inside(node, mark);
    match value {
        Node::Scalar(_) => false,
        Node::Sequence(items) => items.iter().any(starts_here),
        Node::Mapping(mapping) => mapping
            .iter()
            .any(|(key, node)| key.span().start() == Some(mark) || starts_here(node)),
    }
}

/// The node at `path` below `node`.
fn at<'n>(node: &'n Node, path: &[String]) -> Option<&'n Node> {
    path.iter()
        .try_fold(node, |node, key| node.as_mapping()?.get_node(key))
}

/// A copy of `node` that keeps, in each mapping along `path`, only the key on the path,
/// and in the mapping at its end only `key`.
fn spine(node: &Node, path: &[String], key: &str) -> Node {
    let Node::Mapping(mapping) = node else {
        return node.clone();
    };
    let (keep, below) = match path.split_first() {
        Some((first, below)) => (first.as_str(), Some(below)),
        None => (key, None),
    };
    let mut copy = MarkedMappingNode::new_empty(*mapping.span());
    if let Some((name, value)) = mapping.iter().find(|(name, _)| name.as_str() == keep) {
        let value = match below {
            Some(below) => spine(value, below, key),
            None => value.clone(),
        };
        copy.insert(name.clone(), value);
    }
    Node::Mapping(copy)
}

/// A copy of `node` without the keys at `paths`.
fn without(node: &Node, paths: &[Vec<String>]) -> Node {
    let mut copy = node.clone();
    for path in paths {
        remove(&mut copy, path);
    }
    copy
}

fn remove(node: &mut Node, path: &[String]) {
    let (Node::Mapping(mapping), Some((first, below))) = (node, path.split_first()) else {
        return;
    };
    if below.is_empty() {
        mapping.remove(first.as_str());
    } else if let Some(child) = mapping.get_mut(first.as_str()) {
        remove(child, below);
    }
}

/// The sentence for a list where `T`'s mapping belongs, with the shape `T` expects, which
/// serde gives when it is handed a plain value instead.
fn not_a_list<T: DeserializeOwned>(node: &Node, what: &str) -> Diagnostic {
    let plain = Node::Scalar(MarkedScalarNode::new(*node.span(), "-"));
    let expected = marked_yaml::from_node::<T>(&plain).err().and_then(|error| {
        let message = error.to_string();
        let (_, expected) = message.split_once(", expected ")?;
        Some(yaml::shape(expected).to_string())
    });
    Diagnostic::new(
        yaml::node_pos(node),
        format!(
            "{what} must be {}, not a list",
            expected.as_deref().unwrap_or("a mapping")
        ),
    )
}
