//! Counted nouns for the one-line summaries the subcommands print.

/// `1 rule`, `3 rules`: English plurals of the regular nouns the summaries count.
pub fn counted(count: usize, noun: &str) -> String {
    if count == 1 {
        format!("1 {noun}")
    } else {
        format!("{count} {noun}s")
    }
}

#[cfg(test)]
mod tests {
    use super::counted;

    #[test]
    fn one_is_singular_and_every_other_count_plural() {
        assert_eq!(counted(0, "rule"), "0 rules");
        assert_eq!(counted(1, "rule"), "1 rule");
        assert_eq!(counted(2, "snapshot"), "2 snapshots");
    }
}
