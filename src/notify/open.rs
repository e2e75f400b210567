//! Opening a notifier from a URL, as `kpiwatch run --notify` names it.

use std::str::FromStr;

use thiserror::Error;

use super::{Notifier, SnsNotifier};

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

    fn from_str(arn: &str) -> Result<TopicArn, NotifierUrlError> {
        let parts: Vec<&str> = arn.split(':').collect();
        match parts.as_slice() {
            ["arn", partition, "sns", region, account, name]
                if !partition.is_empty()
                    && !region.is_empty()
                    && !account.is_empty()
                    && !name.is_empty() =>
            {
                Ok(TopicArn {
                    arn: arn.to_string(),
                    region: region.to_string(),
                })
            }
            _ => Err(NotifierUrlError::InvalidTopicArn(arn.to_string())),
        }
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
}
