use std::collections::HashMap;

use futures::future::{BoxFuture, FutureExt, Shared};

use super::{SecretError, SecretRef, SecretResolver, SecretText, json_key};
use crate::config::{Config, SecretValue, SourceKind};

type Read<'r> = Shared<BoxFuture<'r, Result<SecretText, SecretError>>>;

/// The secrets of one run. Each distinct secret is read once, when the first source that
/// needs it asks, and the sources that share it wait on that one read. As sources run
/// concurrently, so do the reads of distinct secrets; a source with no secret waits for
/// none of them.
pub struct RunSecrets<'r> {
    resolver: &'r SecretResolver,
    reads: HashMap<SecretRef, Read<'r>>,
}

impl<'r> RunSecrets<'r> {
    /// Prepares a read for every secret the config's headers name. Reads nothing yet.
    pub fn new(resolver: &'r SecretResolver, config: &Config) -> RunSecrets<'r> {
        let mut reads = HashMap::new();
        let values = config.sources.iter().flat_map(|source| match &source.kind {
            SourceKind::Http(http) => http.headers.iter().map(|header| &header.value).collect(),
            SourceKind::File { .. } => Vec::new(),
        });
        for value in values {
            if let Some((reference, _)) = SecretRef::of(value) {
                reads.entry(reference.clone()).or_insert_with(|| {
                    async move { resolver.read(&reference).await }
                        .boxed()
                        .shared()
                });
            }
        }
        RunSecrets { resolver, reads }
    }

    /// The text of a `secret:` or `ssm:` value, or of the JSON key it names. `None` for a
    /// value that is not kept in AWS.
    pub async fn text_of(&self, value: &SecretValue) -> Option<Result<SecretText, SecretError>> {
        let (reference, key) = SecretRef::of(value)?;
        let text = match self.reads.get(&reference) {
            Some(read) => read.clone().await,
            // A value from another config than the one the run was prepared for.
            None => self.resolver.read(&reference).await,
        };
        Some(match key {
            Some(key) => text.and_then(|text| json_key::take(&reference, &text, key)),
            None => text,
        })
    }
}
