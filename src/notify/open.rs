//! Opening a notifier from a URL, as `kpiwatch run --notify` names it.

use std::str::FromStr;

use thiserror::Error;

use super::{Notifier, SnsNotifier};
use crate::aws::arn::{self, ArnError};

/// Where notifications go, besides the console.
///
/// - `sns://TOPIC_ARN`: the SNS topic, such as
///   `sns://arn:aws:sns:eu-west-1:123456789012:kpiwatch`. The client uses the topic's own
///   region, whatever `AWS_REGION` says, and `AWS_ENDPOINT_URL` when that is set.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum NotifierUrl {
    /// An SNS topic.
    Sns(TopicArn),
}

/// Why a notifier URL was refused.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum NotifierUrlError {
    /// Not a scheme kpiwatch knows.
    #[error("invalid notifier URL `{0}`: expected `sns://TOPIC_ARN`")]
    UnknownScheme(String),
    /// `sns://` followed by something other than a topic ARN.
    #[error(
        "invalid SNS topic ARN `{0}`: expected `arn:PARTITION:sns:REGION:ACCOUNT:NAME`, \
         such as arn:aws:sns:eu-west-1:123456789012:kpiwatch"
    )]
    InvalidTopicArn(String),
    /// A topic ARN of the right shape with one part SNS would refuse.
    #[error("invalid SNS topic ARN `{arn}`: {problem}")]
    InvalidTopicArnPart {
        /// The ARN as given.
        arn: String,
        /// Which part is wrong, and what it should be.
        problem: String,
    },
}

impl FromStr for NotifierUrl {
    type Err = NotifierUrlError;

    fn from_str(url: &str) -> Result<NotifierUrl, NotifierUrlError> {
        match url.strip_prefix("sns://") {
            Some(arn) => Ok(NotifierUrl::Sns(arn.parse()?)),
            None => Err(NotifierUrlError::UnknownScheme(url.to_string())),
        }
    }
}

/// An SNS topic ARN, checked to name a topic and its region.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TopicArn {
    arn: String,
    region: String,
}

impl TopicArn {
    /// The whole ARN.
    pub fn as_str(&self) -> &str {
        &self.arn
    }

    /// The region the topic lives in.
    pub fn region(&self) -> &str {
        &self.region
    }
}

impl FromStr for TopicArn {
    type Err = NotifierUrlError;

    fn from_str(text: &str) -> Result<TopicArn, NotifierUrlError> {
        let arn = match arn::parse(text, "sns") {
            Ok(arn) if !arn.resource.contains(':') => arn,
            Ok(_) | Err(ArnError::Shape) => {
                return Err(NotifierUrlError::InvalidTopicArn(text.to_string()));
            }
            Err(ArnError::Part(problem)) => return Err(part_error(text, problem)),
        };
        let name = arn.resource;
        if name.ends_with(".fifo") {
            return Err(part_error(
                text,
                format!(
                    "`{name}` is a FIFO topic; kpiwatch publishes to a standard topic, the only \
                     kind email and AWS Chatbot can subscribe to"
                ),
            ));
        }
        let name_is_valid = name.len() <= 256
            && name
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_'));
        if !name_is_valid {
            return Err(part_error(
                text,
                format!("the topic name `{name}` is not 1 to 256 letters, digits, `-` and `_`"),
            ));
        }
        Ok(TopicArn {
            arn: text.to_string(),
            region: arn.region.to_string(),
        })
    }
}

fn part_error(arn: &str, problem: String) -> NotifierUrlError {
    NotifierUrlError::InvalidTopicArnPart {
        arn: arn.to_string(),
        problem,
    }
}

impl SnsNotifier {
    /// A notifier for `topic`, with a client built from `config` in the topic's region.
    /// Makes no call.
    pub fn for_topic(config: &aws_config::SdkConfig, topic: &TopicArn) -> SnsNotifier {
        let client = aws_sdk_sns::config::Builder::from(config)
            .region(aws_config::Region::new(topic.region().to_string()))
            .build();
        SnsNotifier::new(aws_sdk_sns::Client::from_conf(client), topic.as_str())
    }
}

/// Opens the notifier a URL names. Loads the AWS configuration but makes no call.
pub async fn open(url: &NotifierUrl) -> Box<dyn Notifier> {
    match url {
        NotifierUrl::Sns(topic) => {
            let config = crate::aws::load_sdk_config().await;
            Box::new(SnsNotifier::for_topic(&config, topic))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_sns_url_carries_the_topic_and_its_region() {
        let url: NotifierUrl = "sns://arn:aws:sns:eu-west-1:123456789012:kpiwatch"
            .parse()
            .unwrap();
        let NotifierUrl::Sns(topic) = url;
        assert_eq!(
            topic.as_str(),
            "arn:aws:sns:eu-west-1:123456789012:kpiwatch"
        );
        assert_eq!(topic.region(), "eu-west-1");
    }

    #[test]
    fn anything_else_is_refused_with_the_expected_form() {
        assert_eq!(
            "https://hooks.slack.com/x".parse::<NotifierUrl>(),
            Err(NotifierUrlError::UnknownScheme(
                "https://hooks.slack.com/x".into()
            ))
        );
        for arn in [
            "kpiwatch",
            "arn:aws:sqs:eu-west-1:123456789012:queue",
            "arn:aws:sns::123456789012:kpiwatch",
            "arn:aws:sns:eu-west-1:123456789012:kpiwatch:extra",
        ] {
            let error = format!("sns://{arn}").parse::<NotifierUrl>().unwrap_err();
            assert_eq!(error, NotifierUrlError::InvalidTopicArn(arn.into()));
        }
    }

    #[test]
    fn an_arn_part_sns_would_refuse_is_named() {
        for (arn, expected) in [
            (
                "arn:aws:sns:us-east-1:12:kpiwatch",
                "the account `12` is not a 12-digit AWS account id",
            ),
            (
                "arn:aws:sns:nowhere:123456789012:kpiwatch",
                "the region `nowhere` is not a region name",
            ),
            (
                "arn:aws:sns:EU-WEST-1:123456789012:kpiwatch",
                "the region `EU-WEST-1` is not a region name",
            ),
            (
                "arn:amazon:sns:eu-west-1:123456789012:kpiwatch",
                "the partition `amazon` is not one of AWS's",
            ),
            (
                "arn:aws:sns:eu-west-1:123456789012:kpi watch",
                "the topic name `kpi watch` is not 1 to 256 letters",
            ),
            (
                "arn:aws:sns:eu-west-1:123456789012:kpiwatch/",
                "the topic name `kpiwatch/` is not",
            ),
            (
                "arn:aws:sns:eu-west-1:123456789012:alerts.fifo",
                "`alerts.fifo` is a FIFO topic",
            ),
        ] {
            let error = arn.parse::<TopicArn>().unwrap_err().to_string();
            assert!(error.contains(arn) && error.contains(expected), "{error}");
        }
        for arn in [
            "arn:aws-us-gov:sns:us-gov-west-1:123456789012:kpiwatch",
            "arn:aws-cn:sns:cn-north-1:123456789012:kpi_watch-2",
        ] {
            assert_eq!(arn.parse::<TopicArn>().unwrap().as_str(), arn);
        }
    }
}
