"""The aws profile's arrival path: S3 ObjectCreated → SQS → the landing asset's watcher trigger.

Runs the Amazon provider's real SqsSensorTrigger against moto's S3/SQS server on loopback (tests/conftest.py).
"""

import asyncio
import json
from urllib.parse import unquote_plus

import boto3
import pytest

from ecomlake.config import settings

REGION = "us-east-1"


@pytest.fixture
def aws_profile(moto_endpoint, monkeypatch):
    """The aws profile pointed at the loopback server, as an operator would configure it."""
    credentials = {"AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing", "AWS_DEFAULT_REGION": REGION}
    for key, value in credentials.items():
        monkeypatch.setenv(key, value)
    clients = {name: boto3.client(name, endpoint_url=moto_endpoint, region_name=REGION) for name in ("s3", "sqs")}
    queue_url = clients["sqs"].create_queue(QueueName="arrivals-orders")["QueueUrl"]
    queue_arn = clients["sqs"].get_queue_attributes(QueueUrl=queue_url, AttributeNames=["QueueArn"])[
        "Attributes"]["QueueArn"]
    clients["s3"].create_bucket(Bucket="shop-lake")
    clients["s3"].put_bucket_notification_configuration(Bucket="shop-lake", NotificationConfiguration={
        "QueueConfigurations": [{
            "QueueArn": queue_arn, "Events": ["s3:ObjectCreated:*"],
            "Filter": {"Key": {"FilterRules": [{"Name": "prefix", "Value": "landing/orders/"},
                                               {"Name": "suffix", "Value": "_READY"}]}},
        }],
    })
    monkeypatch.setenv("ECOMLAKE_PROFILE", "aws")
    monkeypatch.setenv("SPARK_MASTER", "local[2]")
    monkeypatch.setenv("ECOMLAKE_BUCKET", "shop-lake")
    monkeypatch.setenv("ECOMLAKE_METASTORE_JDBC_URL", "jdbc:postgresql://127.0.0.1/metastore")
    monkeypatch.setenv("ECOMLAKE_SQL_HOST", "127.0.0.1")
    monkeypatch.setenv("ECOMLAKE_ARRIVALS_QUEUE_PREFIX", queue_url.removesuffix("orders"))
    monkeypatch.setenv("AIRFLOW_CONN_AWS_DEFAULT", json.dumps(
        {"conn_type": "aws", "extra": {"endpoint_url": moto_endpoint, "region_name": REGION}}))
    settings.cache_clear()
    yield clients
    settings.cache_clear()


async def first_event(trigger, timeout_s: float):
    async def first():
        async for event in trigger.run():
            return event
    return await asyncio.wait_for(first(), timeout_s)


def test_an_s3_delivery_reaches_the_landing_assets_watcher(aws_profile):
    from orchestration.assets import landing_asset

    [watcher] = landing_asset("orders").watchers
    trigger = watcher.trigger
    assert type(trigger).__name__ == "SqsSensorTrigger"
    assert trigger.sqs_queue.endswith("/arrivals-orders")

    s3 = aws_profile["s3"]
    s3.put_object(Bucket="shop-lake", Key="landing/orders/2026-11-20/orders-2026-11-20-part-0001.jsonl", Body=b"{}\n")
    s3.put_object(Bucket="shop-lake", Key="landing/orders/2026-11-20/_READY", Body=b"{}")

    event = asyncio.run(first_event(trigger, 60))
    bodies = [json.loads(m["Body"]) for m in event.payload["message_batch"]]
    keys = [unquote_plus(r["s3"]["object"]["key"]) for b in bodies for r in b["Records"]]
    assert keys == ["landing/orders/2026-11-20/_READY"]
