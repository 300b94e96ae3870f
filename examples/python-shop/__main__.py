"""A different Pulumi project that imports the component with its own settings."""

import pulumi
from order_pipeline import OrderPipeline, PipelineSettings

orders = OrderPipeline(
    "shop-orders",
    PipelineSettings(
        function_timeout_seconds=15,
        visibility_timeout_seconds=120,
        batch_size=20,
        batching_window_seconds=2,
        raw_message_delivery=True,
        architecture="x86_64",
        tags={"team": "shop"},
    ),
)

pulumi.export("ordersTopic", orders.topic_arn)
pulumi.export("ordersTable", orders.table_name)

# Every output is also a plain attribute, for wiring inside the importing program.
ATTRIBUTES = [
    "topic_arn", "queue_url", "queue_arn", "dead_letter_queue_url", "dead_letter_queue_arn",
    "table_name", "table_arn", "function_name", "function_arn", "alarm_topic_arn",
]  # fmt: skip
pulumi.export("attributes", {name: getattr(orders, name) for name in ATTRIBUTES})
