"""The order-pipeline program: one OrderPipeline per stack, configured by Pulumi.<stack>.yaml."""

import pulumi
from order_pipeline import OrderPipeline, read_settings

pipeline = OrderPipeline(
    f"orders-{pulumi.get_stack()}",
    read_settings(pulumi.Config()),
)

for export_name, value in pipeline.outputs().items():
    pulumi.export(export_name, value)
