"""Fixtures for the handler tests: real SNS -> SQS delivery under moto, wrapped as Lambda does.

Orders are published to an SNS topic, received from the subscribed SQS queue, and turned
into the SQS event Lambda would pass to the function, so envelopes, message ids and raw
delivery bodies are the ones AWS (as emulated by moto) produces, not hand-written ones.
"""

from __future__ import annotations

import copy
import hashlib
import json
import logging
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterator
from typing import Any

import boto3
import pytest
from botocore.awsrequest import AWSPreparedRequest, AWSResponse
from moto import mock_aws
from order_pipeline.cli.dead_letters import sns_message_id
from order_pipeline.cli.orders import item_from_dynamodb, read_orders
from order_pipeline.handler import index
from order_pipeline.handler.log import LOGGER_NAME
from order_pipeline.handler.metrics import counts_from_log_line
from orders import SEED

from harness.moto_internals import MOTO_BEFORE_SEND, MockAWS
from harness.sqs_event import event_record

REGION = "us-east-1"
TABLE_NAME = "orders-test"
FUNCTION_NAME = "orders-test-function"


Event = dict[str, Any]


class Pipeline:
    """Table, topic and queue as the component wires them, plus a Lambda-style invoker."""

    def __init__(self, raw_delivery: bool) -> None:
        self.raw_delivery = raw_delivery
        self.dynamodb = boto3.client("dynamodb", region_name=REGION)
        self.sns = boto3.client("sns", region_name=REGION)
        self.sqs = boto3.client("sqs", region_name=REGION)
        self.dynamodb.create_table(
            TableName=TABLE_NAME,
            AttributeDefinitions=[{"AttributeName": "orderId", "AttributeType": "S"}],
            KeySchema=[{"AttributeName": "orderId", "KeyType": "HASH"}],
            BillingMode="PAY_PER_REQUEST",
        )
        self.topic_arn = self.sns.create_topic(Name="orders")["TopicArn"]
        self.queue_url = self.sqs.create_queue(
            QueueName="orders", Attributes={"VisibilityTimeout": "300"}
        )["QueueUrl"]
        self.queue_arn = self.sqs.get_queue_attributes(
            QueueUrl=self.queue_url, AttributeNames=["QueueArn"]
        )["Attributes"]["QueueArn"]
        self.subscription_arn = self.sns.subscribe(
            TopicArn=self.topic_arn,
            Protocol="sqs",
            Endpoint=self.queue_arn,
            Attributes={"RawMessageDelivery": "true" if raw_delivery else "false"},
            ReturnSubscriptionArn=True,
        )["SubscriptionArn"]
        # What each sent message is recognised by once received, in sending order.
        self._sent: list[tuple[str, str]] = []

    def change_subscription(self, raw_delivery: bool) -> None:
        """Flip the subscription's raw delivery behind the function's back (config drift)."""
        self.sns.set_subscription_attributes(
            SubscriptionArn=self.subscription_arn,
            AttributeName="RawMessageDelivery",
            AttributeValue="true" if raw_delivery else "false",
        )
        self.raw_delivery = raw_delivery

    # --- sending -------------------------------------------------------------------

    def publish(self, order: dict[str, Any] | str) -> None:
        """Publish an order (a dict is JSON-encoded; a string is sent as it is) through SNS."""
        text = order if isinstance(order, str) else json.dumps(order)
        message_id = self.sns.publish(TopicArn=self.topic_arn, Message=text)["MessageId"]
        self._sent.append(("body", text) if self.raw_delivery else ("sns", message_id))

    def send_to_queue(self, body: str) -> None:
        """Send a body straight to the queue, bypassing SNS (for bodies SNS would not produce)."""
        message_id = self.sqs.send_message(QueueUrl=self.queue_url, MessageBody=body)["MessageId"]
        self._sent.append(("sqs", message_id))

    # --- receiving -----------------------------------------------------------------

    def receive_event(self) -> Event:
        """Everything sent since the last call, as one Lambda SQS event, in sending order."""
        wanted, self._sent = self._sent, []
        messages: list[dict[str, Any]] = []
        while len(messages) < len(wanted):
            batch = self.sqs.receive_message(
                QueueUrl=self.queue_url,
                MaxNumberOfMessages=10,
                AttributeNames=["All"],
                MessageAttributeNames=["All"],
            ).get("Messages", [])
            assert batch, f"expected {len(wanted)} messages, received {len(messages)}"
            messages.extend(batch)
        records = [self.record(message) for message in messages]
        ordered = []
        for key in wanted:
            match = next(r for r in records if key in _keys(r) and r not in ordered)
            ordered.append(match)
        return {"Records": ordered}

    def record(self, message: dict[str, Any]) -> dict[str, Any]:
        """One received SQS message in the shape Lambda's SQS event source gives it."""
        return event_record(message, self.queue_arn, REGION)

    def event_for(self, *orders: dict[str, Any] | str) -> Event:
        for order in orders:
            self.publish(order)
        return self.receive_event()

    # --- running and inspecting ----------------------------------------------------

    @staticmethod
    def invoke(event: Event) -> dict[str, Any]:
        response: dict[str, Any] = index.lambda_handler(event, None)
        return response

    def deliver(self, *orders: dict[str, Any] | str) -> tuple[Event, dict[str, Any]]:
        """Publish, receive as one batch, invoke; return the event and the response."""
        event = self.event_for(*orders)
        return event, self.invoke(event)

    @staticmethod
    def with_body(record: dict[str, Any], body: str) -> dict[str, Any]:
        """A copy of a real record carrying another body (md5OfBody kept consistent)."""
        changed = copy.deepcopy(record)
        changed["body"] = body
        changed["md5OfBody"] = hashlib.md5(body.encode("utf-8")).hexdigest()
        return changed

    @staticmethod
    def copies(template: dict[str, Any], orders: list[dict[str, Any]]) -> list[dict[str, Any]]:
        """Records like a real SNS-enveloped one, each carrying another order (no publishing:
        for batches too large to publish one by one in reasonable time)."""
        envelope = json.loads(template["body"])
        copies = []
        for number, order in enumerate(orders):
            body = json.dumps({**envelope, "Message": json.dumps(order)})
            copy_ = Pipeline.with_body(template, body)
            copy_["messageId"] = f"{template['messageId']}-copy-{number}"
            copies.append(copy_)
        return copies

    @staticmethod
    def failures(response: dict[str, Any]) -> list[str]:
        return [entry["itemIdentifier"] for entry in response["batchItemFailures"]]

    @staticmethod
    def message_ids(event: Event) -> list[str]:
        return [record["messageId"] for record in event["Records"]]

    def item(self, order_id: str) -> dict[str, Any] | None:
        raw = self.dynamodb.get_item(
            TableName=TABLE_NAME, Key={"orderId": {"S": order_id}}, ConsistentRead=True
        ).get("Item")
        return None if raw is None else item_from_dynamodb(raw)

    def items(self) -> list[dict[str, Any]]:
        return read_orders(self.dynamodb, TABLE_NAME)


def _keys(record: dict[str, Any]) -> set[tuple[str, str]]:
    keys = {("sqs", record["messageId"]), ("body", record["body"])}
    sns_id = sns_message_id(record["body"])
    return keys | {("sns", sns_id)} if sns_id else keys


# --- fixtures ------------------------------------------------------------------------


@pytest.fixture
def handler_env(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """The function's environment, fake credentials, and no cached client either side."""
    for name in ("AWS_ENDPOINT_URL", "AWS_ENDPOINT_URL_DYNAMODB", "AWS_PROFILE", "AWS_REGION"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("AWS_DEFAULT_REGION", REGION)
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    monkeypatch.setenv("AWS_SESSION_TOKEN", "testing")
    monkeypatch.setenv("TABLE_NAME", TABLE_NAME)
    monkeypatch.setenv("RAW_MESSAGE_DELIVERY", "false")
    monkeypatch.setenv("AWS_LAMBDA_FUNCTION_NAME", FUNCTION_NAME)
    index.reset_client()
    yield
    index.reset_client()


@pytest.fixture(scope="module")
def moto_mock() -> Iterator[MockAWS]:
    """One moto mock per test module, emptied before each test (see `aws`).

    Starting a mock per test would also replace boto3's default session each time, and
    every client built on a fresh session reloads its service model: most of the suite's
    run time. Module scope keeps the mock from outliving these tests.
    """
    with mock_aws() as mock:
        yield mock


@pytest.fixture
def aws(handler_env: None, moto_mock: MockAWS) -> None:
    """An empty emulated AWS account for this test."""
    moto_mock.reset()


@pytest.fixture
def pipeline(aws: None) -> Pipeline:
    """SNS -> SQS with raw message delivery off (the default)."""
    return Pipeline(raw_delivery=False)


@pytest.fixture
def raw_pipeline(aws: None, monkeypatch: pytest.MonkeyPatch) -> Pipeline:
    """SNS -> SQS with raw message delivery on, and the function told so."""
    monkeypatch.setenv("RAW_MESSAGE_DELIVERY", "true")
    return Pipeline(raw_delivery=True)


@pytest.fixture
def seed() -> dict[str, Any]:
    """A fresh copy of the seed order, free to modify."""
    return copy.deepcopy(SEED)


@pytest.fixture
def outcomes(caplog: pytest.LogCaptureFixture) -> Callable[[], list[dict[str, Any]]]:
    """Reads the handler's log lines so far: level plus the `extra` fields of each."""
    caplog.set_level(logging.INFO, logger=LOGGER_NAME)

    def read() -> list[dict[str, Any]]:
        return [
            {
                "level": record.levelname,
                "outcome": getattr(record, "outcome", "<missing>"),
                "messageId": getattr(record, "messageId", "<missing>"),
                "orderId": getattr(record, "orderId", "<missing>"),
                "reason": getattr(record, "reason", "<missing>"),
            }
            for record in caplog.records
            if record.name == LOGGER_NAME
        ]

    return read


# --- time and faults ---------------------------------------------------------------------


class Context:
    """A Lambda context whose remaining time counts down, for real, from a timeout."""

    def __init__(self, timeout_ms: int) -> None:
        self.started = time.monotonic()
        self.deadline = self.started + timeout_ms / 1000
        self.function_name = FUNCTION_NAME

    def get_remaining_time_in_millis(self) -> int:
        return int((self.deadline - time.monotonic()) * 1000)

    def elapsed(self) -> float:
        return time.monotonic() - self.started


Fault = Callable[[AWSPreparedRequest, int], AWSResponse | None]


def error_response(status: int, code: str, message: str) -> Fault:
    """A fault: DynamoDB's HTTP answer for an error, as botocore receives it on the wire."""

    def respond(request: AWSPreparedRequest, attempt: int) -> AWSResponse:
        response = AWSResponse(request.url, status, {"x-amzn-ErrorType": code}, None)
        response._content = json.dumps({"__type": code, "message": message}).encode()
        return response

    return respond


THROTTLED = error_response(400, "ThrottlingException", "Rate exceeded")
PROVISIONED_THROUGHPUT = error_response(
    400,
    "ProvisionedThroughputExceededException",
    "The level of configured provisioned throughput for the table was exceeded.",
)
INTERNAL_ERROR = error_response(500, "InternalServerError", "Internal server error")
VALIDATION = error_response(400, "ValidationException", "One or more parameter values were invalid")


def raising(error: Callable[[str], Exception], wait_seconds: float = 0.0) -> Fault:
    """A fault: a connection-level error, after `wait_seconds` (a timeout waits first)."""

    def fail(request: AWSPreparedRequest, attempt: int) -> None:
        time.sleep(wait_seconds)
        raise error(request.url)

    return fail


def first_attempts(count: int, fault: Fault) -> Fault:
    """A fault for the first `count` attempts; later attempts reach the emulator."""

    def maybe(request: AWSPreparedRequest, attempt: int) -> AWSResponse | None:
        return fault(request, attempt) if attempt <= count else None

    return maybe


def slow_first_attempt(seconds: float) -> Fault:
    """A fault: the first attempt takes `seconds` longer, then reaches the emulator."""

    def slow(request: AWSPreparedRequest, attempt: int) -> None:
        if attempt == 1:
            time.sleep(seconds)

    return slow


class Faults:
    """Faults injected into the handler's real client at the botocore level.

    botocore emits `before-send` for every HTTP attempt; moto answers it. Here moto's
    handler is wrapped for this one client: a PutItem whose orderId has a fault gets the
    fault (an HTTP error response, or a raised connection error) instead of reaching the
    emulator, as a throttled request never reaches DynamoDB's storage. Every attempt is
    counted per orderId, and the most attempts in flight at once are tracked.
    """

    def __init__(self, client: Any) -> None:
        self.faults: dict[str, Fault] = {}
        self.attempts: Counter[str] = Counter()
        self.delay_seconds = 0.0  # added to every PutItem, to make overlap observable
        self.in_flight: Counter[str] = Counter()
        self.most_in_flight = 0
        self.most_in_flight_per_order: Counter[str] = Counter()
        self._lock = threading.Lock()
        client.meta.events.unregister("before-send", MOTO_BEFORE_SEND)
        client.meta.events.register("before-send", self._before_send)

    def _before_send(self, request: AWSPreparedRequest, **kwargs: Any) -> AWSResponse | None:
        target = request.headers.get("X-Amz-Target", b"")
        if not (target.decode() if isinstance(target, bytes) else target).endswith("PutItem"):
            return MOTO_BEFORE_SEND(request=request, **kwargs)  # type: ignore[no-any-return]
        order_id = json.loads(request.body)["Item"]["orderId"]["S"]
        with self._lock:
            self.attempts[order_id] += 1
            attempt = self.attempts[order_id]
            self.in_flight[order_id] += 1
            self.most_in_flight = max(self.most_in_flight, sum(self.in_flight.values()))
            self.most_in_flight_per_order[order_id] = max(
                self.most_in_flight_per_order[order_id], self.in_flight[order_id]
            )
        try:
            time.sleep(self.delay_seconds)
            fault = self.faults.get(order_id)
            response = fault(request, attempt) if fault else None
            if response is not None:
                return response
            return MOTO_BEFORE_SEND(request=request, **kwargs)  # type: ignore[no-any-return]
        finally:
            with self._lock:
                self.in_flight[order_id] -= 1


@pytest.fixture
def faults(pipeline: Pipeline) -> Faults:
    """Fault injection on the client the handler will use (created here, cached there)."""
    return Faults(index.dynamodb_client())


@pytest.fixture
def metric_lines(capsys: pytest.CaptureFixture[str]) -> Callable[[], list[dict[str, int]]]:
    """The outcome counts of every metrics line the handler printed to stdout so far."""

    def read() -> list[dict[str, int]]:
        printed = capsys.readouterr().out.splitlines()
        counts = [counts_from_log_line(line) for line in printed]
        return [found for found in counts if found is not None]

    return read
