//! The errors found in one file so far, and the positions they point at.

use std::path::Path;

use marked_yaml::Node;
use marked_yaml::types::MarkedScalarNode;
use serde::Deserialize;
use serde::de::DeserializeOwned;

use super::lenient;

use crate::config::yaml::{self, Diagnostic, Pos, Source};
use crate::config::{ConfigError, ConfigErrors};

/// Collects errors for one file.
#[derive(Debug)]
pub struct Report<'t> {
    file: &'t Path,
    source: Source<'t>,
    errors: Vec<ConfigError>,
}

impl<'t> Report<'t> {
    /// An empty report for `text`, read from `file`.
    pub fn new(file: &'t Path, text: &'t str) -> Report<'t> {
        Report {
            file,
            source: Source::new(text),
            errors: Vec::new(),
        }
    }

    /// Records an error at `pos`.
    pub fn error(&mut self, pos: Pos, message: impl Into<String>) {
        self.errors.push(ConfigError {
            file: self.file.to_path_buf(),
            line: pos.line,
            column: pos.column,
            message: message.into(),
        });
    }

    /// Records a positioned problem.
    pub fn push(&mut self, diagnostic: Diagnostic) {
        self.error(diagnostic.pos, diagnostic.message);
    }

    /// Deserializes `node` into a raw type; `None`, with the error recorded, if it does not
    /// fit. See [`yaml::deserialize`] for `what` and `prefix`.
    pub fn deserialize<'n, T: Deserialize<'n>>(
        &mut self,
        node: &'n Node,
        what: &str,
        prefix: &str,
    ) -> Option<T> {
        match yaml::deserialize(node, what, prefix) {
            Ok(value) => Some(value),
            Err(diagnostic) => {
                self.push(diagnostic);
                None
            }
        }
    }

    /// Reads a section into its raw type, reporting every field that does not fit; `None`
    /// only when it is not a mapping. See [`lenient::read`].
    pub fn read<T: DeserializeOwned>(
        &mut self,
        node: &Node,
        what: &str,
        prefix: &str,
    ) -> Option<T> {
        lenient::read(node, what, prefix, self)
    }

    /// Where a scalar starts.
    pub fn scalar_pos(&self, scalar: &MarkedScalarNode) -> Pos {
        self.source.pos_in_scalar(scalar, 0)
    }

    /// Where the character at `offset` of a scalar's value is.
    pub fn pos_in_scalar(&self, scalar: &MarkedScalarNode, offset: usize) -> Pos {
        self.source.pos_in_scalar(scalar, offset)
    }

    /// The `-` of each element of the block list whose first `-` is at `first`; see
    /// [`Source::block_entries`].
    pub fn block_entries(&self, first: Pos) -> Vec<Pos> {
        self.source.block_entries(first)
    }

    /// Whether an error has been recorded.
    pub fn has_errors(&self) -> bool {
        !self.errors.is_empty()
    }

    /// The errors so far, sorted by position.
    pub fn into_errors(mut self) -> ConfigErrors {
        // Stable, so that two errors at one position keep the order they were found in.
        self.errors.sort_by_key(|error| (error.line, error.column));
        ConfigErrors {
            errors: self.errors,
        }
    }

    /// `value` if no error was recorded, else every error.
    pub fn finish<T>(self, value: T) -> Result<T, ConfigErrors> {
        if self.has_errors() {
            Err(self.into_errors())
        } else {
            Ok(value)
        }
    }
}
