// OrderPipeline from TypeScript, through the SDK that `pulumi package add` generates.
// Not run in this repository (no Pulumi CLI or engine here); see docs/plugin.md.
import { OrderPipeline } from "@pulumi/order-pipeline";

const orders = new OrderPipeline(
    "shop-orders",
    {
        functionTimeoutSeconds: 15,
        visibilityTimeoutSeconds: 120,
        batchSize: 20,
        batchingWindowSeconds: 2,
        rawMessageDelivery: true,
        tags: { team: "shop" },
    },
    {
        // `transforms` run in the engine, so they reach the plugin's children too
        // (docs/component.md: which overrides are safe).
        transforms: [
            (args) =>
                args.type === "aws:dynamodb/table:Table"
                    ? { props: { ...args.props, tableClass: "STANDARD_INFREQUENT_ACCESS" }, opts: args.opts }
                    : undefined,
        ],
    },
);

export const topicArn = orders.topicArn;
export const tableName = orders.tableName;
export const dashboardUrl = orders.dashboardUrl;
