use std::collections::HashMap;
use std::fmt;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use super::{SecretRef, SecretText};

/// Secrets read from AWS, each kept for `max_age` from when it was read.
///
/// Unbounded in count, because the keys are the references of one config file. A stale
/// entry is replaced on the next read rather than swept.
pub struct Cache {
    max_age: Duration,
    entries: Mutex<HashMap<SecretRef, Entry>>,
}

struct Entry {
    text: SecretText,
    read_at: Instant,
}

impl Cache {
    pub fn new(max_age: Duration) -> Cache {
        Cache {
            max_age,
            entries: Mutex::new(HashMap::new()),
        }
    }

    /// The text of `reference` if it was read less than `max_age` before `now`.
    pub fn fresh(&self, reference: &SecretRef, now: Instant) -> Option<SecretText> {
        let entries = self
            .entries
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        let entry = entries.get(reference)?;
        let age = now.saturating_duration_since(entry.read_at);
        (age < self.max_age).then(|| entry.text.clone())
    }

    /// Records `text` as read at `read_at`.
    pub fn insert(&self, reference: SecretRef, text: SecretText, read_at: Instant) {
        let mut entries = self
            .entries
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        entries.insert(reference, Entry { text, read_at });
    }
}

/// The settings and the size, never the content.
impl fmt::Debug for Cache {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let entries = self
            .entries
            .lock()
            .map(|entries| entries.len())
            .unwrap_or(0);
        f.debug_struct("Cache")
            .field("max_age", &self.max_age)
            .field("entries", &entries)
            .finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn secret() -> SecretRef {
        SecretRef::SecretsManager("kpiwatch/api".into())
    }

    #[test]
    fn an_entry_is_fresh_until_its_max_age_and_stale_from_then_on() {
        let cache = Cache::new(Duration::from_secs(300));
        let read_at = Instant::now();
        cache.insert(secret(), SecretText::new("v1"), read_at);

        let at = |seconds| read_at + Duration::from_secs(seconds);
        assert_eq!(cache.fresh(&secret(), at(0)), Some(SecretText::new("v1")));
        assert_eq!(cache.fresh(&secret(), at(299)), Some(SecretText::new("v1")));
        assert_eq!(cache.fresh(&secret(), at(300)), None);
    }

    #[test]
    fn a_new_read_replaces_the_stale_text() {
        let cache = Cache::new(Duration::from_secs(300));
        let first = Instant::now();
        cache.insert(secret(), SecretText::new("v1"), first);
        let second = first + Duration::from_secs(400);
        cache.insert(secret(), SecretText::new("v2"), second);
        assert_eq!(cache.fresh(&secret(), second), Some(SecretText::new("v2")));
    }

    #[test]
    fn a_zero_max_age_keeps_nothing() {
        let cache = Cache::new(Duration::ZERO);
        let now = Instant::now();
        cache.insert(secret(), SecretText::new("v1"), now);
        assert_eq!(cache.fresh(&secret(), now), None);
    }

    #[test]
    fn secrets_and_parameters_of_the_same_name_are_distinct() {
        let cache = Cache::new(Duration::from_secs(300));
        let now = Instant::now();
        cache.insert(secret(), SecretText::new("v1"), now);
        let parameter = SecretRef::SsmParameter("kpiwatch/api".into());
        assert_eq!(cache.fresh(&parameter, now), None);
    }

    #[test]
    fn debug_output_shows_no_secret() {
        let cache = Cache::new(Duration::from_secs(300));
        cache.insert(secret(), SecretText::new("hunter2"), Instant::now());
        let debug = format!("{cache:?}");
        assert!(!debug.contains("hunter2"), "{debug}");
        assert!(debug.contains("entries: 1"), "{debug}");
    }
}
