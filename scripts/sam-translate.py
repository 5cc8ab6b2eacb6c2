#!/usr/bin/env python3
"""Transforms a SAM template into the CloudFormation template AWS would deploy, as JSON on stdout.

Local CodeUri paths are swapped for S3 URIs first, as `sam package` would do.
Usage: sam-translate.py template.yaml [Param=Value ...]
"""
import json
import os
import sys

try:
    from samtranslator.translator.transform import transform
    from samtranslator.yaml_helper import yaml_parse
except ImportError:
    sys.exit("sam-translate: the samtranslator module is missing; install it with: pip install aws-sam-translator")


class NoManagedPolicies:
    """The template names no AWS managed policies by name, so nothing needs looking up."""

    def load(self):
        return {}


def main():
    if len(sys.argv) < 2:
        sys.exit(__doc__)
    os.environ.setdefault("AWS_DEFAULT_REGION", "us-east-1")
    with open(sys.argv[1]) as f:
        template = yaml_parse(f.read())
    functions = [r.get("Properties") or {} for r in template.get("Resources", {}).values()
                 if r.get("Type") == "AWS::Serverless::Function"]
    functions.append(template.get("Globals", {}).get("Function", {}))
    for props in functions:
        if isinstance(props.get("CodeUri"), str) and not props["CodeUri"].startswith("s3://"):
            props["CodeUri"] = "s3://local-artifacts/" + props["CodeUri"]
    parameters = dict(arg.split("=", 1) for arg in sys.argv[2:])
    print(json.dumps(transform(template, parameters, NoManagedPolicies()), indent=1))


if __name__ == "__main__":
    main()
