#!/usr/bin/env python3
"""The production resources, in the local AWS emulator, for trying the whole path.

    python infra/local_stack.py create   # table, encrypted-less topic, a queue subscribed
    python infra/local_stack.py read     # prints and removes what the queue received

It talks to AWS_ENDPOINT_URL (moto server: `scripts/moto.sh start`, then
`eval "$(scripts/moto.sh env)"`) and refuses to run without it, so that it can never
create resources in a real account. It uses boto3, which moto installs.
"""

import json
import os
import sys

import boto3

TABLE = "kpiwatch"
TOPIC = "kpiwatch-alerts"
QUEUE = "kpiwatch-inbox"


def clients():
    endpoint = os.environ.get("AWS_ENDPOINT_URL")
    if not endpoint:
        sys.exit("AWS_ENDPOINT_URL is not set: this script only talks to a local emulator")
    session = boto3.session.Session(region_name=os.environ.get("AWS_REGION", "us-east-1"))
    return {name: session.client(name, endpoint_url=endpoint)
            for name in ("dynamodb", "sns", "sqs")}


def create():
    aws = clients()
    if TABLE not in aws["dynamodb"].list_tables()["TableNames"]:
        aws["dynamodb"].create_table(
            TableName=TABLE, BillingMode="PAY_PER_REQUEST",
            AttributeDefinitions=[{"AttributeName": k, "AttributeType": "S"} for k in ("pk", "sk")],
            KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"},
                       {"AttributeName": "sk", "KeyType": "RANGE"}])
        aws["dynamodb"].update_time_to_live(
            TableName=TABLE,
            TimeToLiveSpecification={"Enabled": True, "AttributeName": "expires_at"})
    topic = aws["sns"].create_topic(Name=TOPIC)["TopicArn"]
    queue = aws["sqs"].create_queue(QueueName=QUEUE)["QueueUrl"]
    queue_arn = aws["sqs"].get_queue_attributes(
        QueueUrl=queue, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    aws["sns"].subscribe(TopicArn=topic, Protocol="sqs", Endpoint=queue_arn,
                         Attributes={"RawMessageDelivery": "true"})
    print("created; now run:")
    print(f"  cargo run -- run --config examples/saas/kpiwatch.yaml "
          f"--store dynamodb://{TABLE} --notify sns://{topic}")
    print("  python infra/local_stack.py read")


def read():
    aws = clients()
    queue = aws["sqs"].get_queue_url(QueueName=QUEUE)["QueueUrl"]
    while True:
        batch = aws["sqs"].receive_message(
            QueueUrl=queue, MaxNumberOfMessages=10, MessageAttributeNames=["All"],
            WaitTimeSeconds=1).get("Messages", [])
        if not batch:
            return
        for message in batch:
            document = json.loads(message["Body"])
            attributes = {k: v["StringValue"]
                          for k, v in message.get("MessageAttributes", {}).items()}
            print(json.dumps({"attributes": attributes, "document": document}, indent=2,
                             ensure_ascii=False))
            aws["sqs"].delete_message(QueueUrl=queue, ReceiptHandle=message["ReceiptHandle"])


if __name__ == "__main__":
    {"create": create, "read": read}.get(sys.argv[1] if len(sys.argv) > 1 else "", lambda: sys.exit(__doc__))()
