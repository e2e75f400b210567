//! ARNs as users write them in `--store` and `--notify`: checked part by part, because AWS's
//! answer to a mistyped ARN is "not found", which does not say which part is wrong, or, for
//! a region that does not exist, no answer at all, once every retry has been spent.

/// An ARN split into its parts, each of a shape AWS accepts.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Arn<'a> {
    /// `aws`, `aws-cn`, `aws-us-gov`...
    pub partition: &'a str,
    /// Such as `eu-west-1`.
    pub region: &'a str,
    /// The 12-digit account id.
    pub account: &'a str,
    /// What follows the account: `kpiwatch` for a topic, `table/kpiwatch` for a table.
    pub resource: &'a str,
}

/// Why an ARN was refused.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ArnError {
    /// Not `arn:PARTITION:SERVICE:REGION:ACCOUNT:RESOURCE` for the expected service.
    Shape,
    /// Of that shape, with one part AWS would refuse; the text says which and why.
    Part(String),
}

/// Reads `text` as an ARN of `service`, with a region and an account.
pub fn parse<'a>(text: &'a str, service: &str) -> Result<Arn<'a>, ArnError> {
    let mut parts = text.splitn(6, ':');
    let mut next = || parts.next().filter(|part| !part.is_empty());
    let (Some("arn"), Some(partition), Some(found), Some(region), Some(account), Some(resource)) =
        (next(), next(), next(), next(), next(), next())
    else {
        return Err(ArnError::Shape);
    };
    if found != service {
        return Err(ArnError::Shape);
    }

    if !partition.starts_with("aws") || !is_lower_words(partition) {
        return Err(ArnError::Part(format!(
            "the partition `{partition}` is not one of AWS's (`aws`, `aws-cn`, `aws-us-gov`...)"
        )));
    }
    // Region names are lower-case words and a number: `eu-west-1`, `us-gov-east-1`.
    let region_is_valid = region.rsplit_once('-').is_some_and(|(words, number)| {
        words.contains('-')
            && is_lower_words(words)
            && !number.is_empty()
            && number.chars().all(|c| c.is_ascii_digit())
    });
    if !region_is_valid {
        return Err(ArnError::Part(format!(
            "the region `{region}` is not a region name such as `eu-west-1`"
        )));
    }
    if account.len() != 12 || !account.chars().all(|c| c.is_ascii_digit()) {
        return Err(ArnError::Part(format!(
            "the account `{account}` is not a 12-digit AWS account id"
        )));
    }
    Ok(Arn {
        partition,
        region,
        account,
        resource,
    })
}

fn is_lower_words(text: &str) -> bool {
    text.split('-')
        .all(|word| !word.is_empty() && word.chars().all(|c| c.is_ascii_lowercase()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_arn_is_split_into_its_parts() {
        assert_eq!(
            parse(
                "arn:aws-us-gov:dynamodb:us-gov-west-1:123456789012:table/a",
                "dynamodb"
            ),
            Ok(Arn {
                partition: "aws-us-gov",
                region: "us-gov-west-1",
                account: "123456789012",
                resource: "table/a",
            })
        );
    }

    #[test]
    fn another_service_or_a_missing_part_is_the_wrong_shape() {
        for text in [
            "kpiwatch",
            "arn:aws:sqs:eu-west-1:123456789012:queue",
            "arn:aws:sns::123456789012:kpiwatch",
            "arn:aws:sns:eu-west-1:123456789012",
        ] {
            assert_eq!(parse(text, "sns"), Err(ArnError::Shape), "{text}");
        }
    }
}
