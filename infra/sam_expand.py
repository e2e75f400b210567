"""Expand template.yaml through the SAM transform into plain CloudFormation JSON.

cfn-lint checks a SAM template against SAM's own schema, so the resources SAM
generates (the Lambda function, its schedule, its event invoke config) are never
checked as CloudFormation. Expanding first lets cfn-lint check what CloudFormation
will actually receive.

Usage: python3 infra/sam_expand.py TEMPLATE OUTPUT
"""

import json
import os
import sys

from samtranslator.translator.transform import transform
from samtranslator.yaml_helper import yaml_parse

# `sam build` rewrites CodeUri to the built package and `sam deploy` to an S3 URI;
# the transform accepts only the latter, so a placeholder stands in.
PLACEHOLDER_CODE_URI = "s3://placeholder-bucket/kpiwatch.zip"


class NoManagedPolicies:
    """The template attaches no managed policies by name, so none need looking up in IAM."""

    def load(self):
        return {}


def main(template_path, output_path):
    with open(template_path, encoding="utf-8") as file:
        template = yaml_parse(file.read())

    for resource in template.get("Resources", {}).values():
        if resource.get("Type") == "AWS::Serverless::Function":
            resource.setdefault("Properties", {})["CodeUri"] = PLACEHOLDER_CODE_URI

    # The transform asks boto3 for the partition, which needs a region but no credentials.
    os.environ.setdefault("AWS_DEFAULT_REGION", "us-east-1")
    expanded = transform(template, {}, NoManagedPolicies())

    with open(output_path, "w", encoding="utf-8") as file:
        json.dump(expanded, file, indent=1)


if __name__ == "__main__":
    if len(sys.argv) != 3:
        sys.exit(__doc__.strip().splitlines()[-1])
    main(sys.argv[1], sys.argv[2])
