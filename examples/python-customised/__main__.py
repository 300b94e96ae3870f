"""Change what OrderPipeline builds beyond its settings, with Pulumi's resource transformations.

A transformation on the component reaches every child (children inherit their parent's
transformations) and sees each child's type, name and Python-named input properties
before it is registered. This one adds a cost-centre tag to every child that takes tags,
and puts the orders table in the Standard-IA table class. docs/component.md lists which
overrides keep the component's guarantees and which break them.
"""

import pulumi
from order_pipeline import OrderPipeline, PipelineSettings

TABLE = "aws:dynamodb/table:Table"


def cost_centre_tags(
    args: pulumi.ResourceTransformationArgs,
) -> pulumi.ResourceTransformationResult | None:
    if "tags" not in args.props:  # policies, subscriptions, the trigger: AWS tags none of them
        return None
    tags = {**(args.props["tags"] or {}), "cost-centre": "cc-4711"}
    return pulumi.ResourceTransformationResult({**args.props, "tags": tags}, args.opts)


def infrequent_access_table(
    args: pulumi.ResourceTransformationArgs,
) -> pulumi.ResourceTransformationResult | None:
    if args.type_ != TABLE:
        return None
    props = {**args.props, "table_class": "STANDARD_INFREQUENT_ACCESS"}
    return pulumi.ResourceTransformationResult(props, args.opts)


orders = OrderPipeline(
    "custom-orders",
    PipelineSettings(tags={"team": "shop"}),
    pulumi.ResourceOptions(transformations=[cost_centre_tags, infrequent_access_table]),
)

pulumi.export("tableName", orders.table_name)
