//! The file's text by line: where a character of a scalar's value is, and the bits of
//! syntax the parser marks somewhere else.

use marked_yaml::types::MarkedScalarNode;

use super::{Pos, without_bom};

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
    pub(super) fn anchor_before(&self, pos: Pos) -> Pos {
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

    pub(super) fn char_at(&self, pos: Pos) -> Option<char> {
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

#[cfg(test)]
mod tests {
    use marked_yaml::Node;

    use super::*;
    use crate::config::yaml::{node_pos, parse};

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
}
