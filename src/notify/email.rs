//! Email: a subject line and a plain-text body, laid out to be read on a phone.
//!
//! Plain text, because SNS email subscriptions deliver text only. Short lines of
//! `Label: value`, the headline first and what to do near the top, so the lock-screen
//! preview already says what happened.

use super::format_value;
use super::headline::{condition_text, headline};
use crate::model::{Notification, NotificationKind};

/// SNS takes subjects of fewer than 100 characters.
pub const MAX_SUBJECT_CHARS: usize = 99;

/// What marks a subject that was cut.
const CUT_MARK: &str = "...";

/// The email subject: the headline in printable ASCII, cut to [`MAX_SUBJECT_CHARS`].
///
/// The SNS API reference has asked for subjects of ASCII text that begins with a letter,
/// a digit or a punctuation mark, with no line breaks or control characters; later
/// editions say UTF-8. What SNS does with the rest is to replace the whole subject with an
/// error text. So the subject keeps to printable ASCII, which also makes characters and
/// UTF-16 units and bytes the same count: accented letters lose their accents, symbols
/// and emoji become words (`Café ≥ 5 🔥` reads `Cafe >= 5 fire`), and line and paragraph
/// separators become spaces. The body keeps the text as written.
pub fn subject(notification: &Notification) -> String {
    cut(&printable_ascii(&headline(notification)), MAX_SUBJECT_CHARS)
}

/// `text` transliterated to ASCII, with every run of whitespace and control characters
/// one space, and no space at either end.
fn printable_ascii(text: &str) -> String {
    let ascii = deunicode::deunicode_with_tofu(text, "?");
    ascii
        .split(|c: char| !c.is_ascii_graphic())
        .filter(|word| !word.is_empty())
        .collect::<Vec<_>>()
        .join(" ")
}

/// Cuts ASCII `text` to at most `max_chars`, marking the cut.
fn cut(text: &str, max_chars: usize) -> String {
    if text.len() <= max_chars {
        return text.to_string();
    }
    let kept = &text[..max_chars - CUT_MARK.len()];
    format!("{}{CUT_MARK}", kept.trim_end())
}

/// The email body.
pub fn body(notification: &Notification) -> String {
    let mut text = headline(notification);
    text.push_str("\n\n");
    if !notification.message.is_empty() {
        text.push_str(&notification.message);
        text.push_str("\n\n");
    }

    let mut facts = Facts::default();
    facts.add("Action", &notification.action);
    facts.add("Runbook", &notification.runbook);
    let mut value = notification.value_text();
    if let Some(previous) = notification.previous_value {
        value.push_str(&format!(
            " (previous {})",
            format_value(previous, &notification.unit)
        ));
    }
    facts.add("Value", &value);
    let condition = condition_text(&notification.condition, &notification.unit);
    let condition_label = match notification.kind {
        NotificationKind::Resolved => "Was breaching",
        _ => "Condition",
    };
    facts.add(condition_label, &condition);
    facts.add("Trend", &notification.sparkline);
    let labels: Vec<String> = notification
        .labels
        .iter()
        .map(|(name, value)| format!("{name}={value}"))
        .collect();
    facts.add("Labels", &labels.join(", "));
    text.push_str(&facts.0);

    let mut context = Facts::default();
    context.add(
        "Rule",
        &format!("{} ({})", notification.rule.name, notification.rule.id),
    );
    context.add(
        "Event",
        &format!(
            "{}, {} at {}",
            notification.kind,
            notification.level,
            notification
                .at
                .to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
        ),
    );
    context.add("Run", &notification.run_id);
    context.add("Id", &notification.id);
    text.push('\n');
    text.push_str(&context.0);
    text
}

/// `Label: value` lines, skipping empty values.
#[derive(Default)]
struct Facts(String);

impl Facts {
    fn add(&mut self, label: &str, value: &str) {
        if !value.trim().is_empty() {
            self.0.push_str(&format!("{label}: {value}\n"));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::Level;
    use crate::notify::testing::notification;

    #[test]
    fn the_body_reads_top_down_from_what_happened_to_where_it_came_from() {
        let churn = notification(NotificationKind::Firing, Level::Critical, Some(6.2));
        assert_eq!(
            body(&churn),
            "[CRITICAL] Churn rate 6.2% > 5%\n\
             \n\
             Churn is 6.2% (critical above 5%)\n\
             \n\
             Action: Analyze churn reasons and launch a retention campaign\n\
             Runbook: https://wiki.example.com/runbooks/churn\n\
             Value: 6.2% (previous 5.1%)\n\
             Condition: > 5%\n\
             Trend: ▁▂▃▅▇\n\
             Labels: domain=retention, team=growth\n\
             \n\
             Rule: Churn rate (churn-rate)\n\
             Event: firing, critical at 2026-12-03T10:05:00Z\n\
             Run: 20261203T100500Z\n\
             Id: churn-rate/firing/2026-12-03T10:05:00Z\n"
        );
    }

    #[test]
    fn a_resolve_names_the_condition_that_no_longer_holds_and_skips_empty_facts() {
        let mut resolved = notification(NotificationKind::Resolved, Level::Ok, Some(3.0));
        resolved.action.clear();
        resolved.labels.clear();
        let text = body(&resolved);
        assert!(text.starts_with("[RESOLVED] Churn rate 3%\n"), "{text}");
        assert!(text.contains("Was breaching: > 5%\n"), "{text}");
        assert!(
            !text.contains("Action:") && !text.contains("Labels:"),
            "{text}"
        );
    }

    /// What SNS takes as a subject: printable ASCII, starting with a letter, a digit or a
    /// punctuation mark, fewer than 100 characters.
    fn assert_sns_takes(subject: &str) {
        assert!(
            subject.chars().all(|c| c.is_ascii_graphic() || c == ' '),
            "{subject:?}"
        );
        assert!(
            subject.starts_with(|c: char| c.is_ascii_graphic()),
            "{subject:?}"
        );
        assert!(subject.len() < 100, "{} bytes: {subject:?}", subject.len());
    }

    #[test]
    fn subjects_stay_under_the_sns_limit() {
        let mut long = notification(NotificationKind::Firing, Level::Critical, Some(6.2));
        long.rule.name = "A rule name far longer than anyone should write ".repeat(4);
        let subject = subject(&long);
        assert_sns_takes(&subject);
        assert_eq!(subject.len(), MAX_SUBJECT_CHARS);
        assert!(subject.ends_with("anyone sh..."), "{subject}");
    }

    #[test]
    fn unicode_in_a_subject_becomes_readable_ascii() {
        let mut churn = notification(NotificationKind::Firing, Level::Critical, Some(6.2));
        churn.rule.name = "Taux de désabonnement → Zürich 🔥".into();
        churn.unit = "‰".into();
        churn.condition = "≥ 5".into();
        let subject = subject(&churn);
        assert_eq!(
            subject,
            "[CRITICAL] Taux de desabonnement - Zurich fire 6.2%0 >= 5%0"
        );
        assert_sns_takes(&subject);
    }

    #[test]
    fn line_separators_and_control_characters_become_single_spaces() {
        let mut churn = notification(NotificationKind::Firing, Level::Critical, Some(6.2));
        churn.rule.name = "Churn\u{2028}rate\u{2029}\u{85} EU\r\n\u{7}(all)\u{200b}".into();
        let subject = subject(&churn);
        assert_eq!(subject, "[CRITICAL] Churn rate EU (all) 6.2% > 5%");
        assert_sns_takes(&subject);
    }

    #[test]
    fn a_long_name_in_a_script_without_ascii_is_cut_within_the_limit() {
        let mut churn = notification(NotificationKind::Firing, Level::Critical, Some(6.2));
        churn.rule.name = "解約率".repeat(40);
        let cut = subject(&churn);
        assert_sns_takes(&cut);
        assert!(cut.starts_with("[CRITICAL] Jie Yue Lu"), "{cut}");
        assert!(cut.ends_with("..."), "{cut}");

        churn.rule.name = "🚀".repeat(200);
        assert_sns_takes(&subject(&churn));
    }
}
