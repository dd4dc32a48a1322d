"""The test helpers themselves: a checker that cannot fail would pin nothing, so show it rejecting bad policies."""

from __future__ import annotations

import pytest

from pulumi_harness import assert_least_privilege


def _allow(action, resource="arn:aws:s3:::lake/raw/*", **extra):
    statement = {"Effect": "Allow", "Action": action, **extra}
    if resource is not None:
        statement["Resource"] = resource
    return {"Version": "2012-10-17", "Statement": [statement]}


@pytest.mark.parametrize(
    "document",
    [
        _allow("*"),
        _allow("s3:*"),
        _allow(["s3:GetObject", "s3:Put*"]),
        _allow("s3:GetObject", "*"),
        _allow("s3:GetObject", ["arn:aws:s3:::lake/raw/*", "*"]),
        _allow("kms:Decrypt", "arn:aws:kms:eu-west-1:111122223333:key/*"),
        _allow("s3:GetObject", "arn:aws:s3:::lake*"),
        _allow("s3:GetObject", "arn:aws:s3:::lake/*/x"),
        _allow("s3:GetObject", "arn:aws:s3:::lake/raw/*/x*"),
        _allow("s3:GetObject", "arn:aws:s3:::lake/raw/*/a/x"),
        _allow("sts:AssumeRole", None, Principal="*"),
        {
            "Statement": {
                "Effect": "Allow",
                "NotAction": "s3:DeleteObject",
                "Action": "s3:GetObject",
                "Resource": "arn:aws:s3:::l/raw/*",
            }
        },
    ],
)
def test_least_privilege_checker_rejects(document):
    with pytest.raises(AssertionError):
        assert_least_privilege(document)


@pytest.mark.parametrize(
    "document",
    [
        _allow(["s3:GetObject", "s3:PutObject"]),
        _allow("s3:ListBucket", "arn:aws:s3:::lake"),
        _allow("s3:GetObject", "arn:aws:s3:::source/*"),
        _allow("s3:GetObject", "arn:aws:s3:::lake/raw/*/_manifest.json"),
        {"Statement": [{"Effect": "Deny", "Principal": "*", "Action": "s3:*", "Resource": "*"}]},
    ],
)
def test_least_privilege_checker_accepts(document):
    assert_least_privilege(document)
