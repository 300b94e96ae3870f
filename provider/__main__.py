"""The order-pipeline plugin: serves OrderPipeline to Pulumi programs in every language.

The engine starts it as `python provider/ [flags] <engine address>` and reads the port it
prints. This is what `pulumi.provider.experimental.component_provider_host(name=
"order-pipeline", components=[OrderPipeline], version=...)` does, with our subclass of its
ComponentProvider: the host builds a plain ComponentProvider, which cannot carry the
settings' defaults into the schema (see order_pipeline/provider.py). Importing must not
print to stdout: the engine reads the port from the first line.
"""

import sys

from order_pipeline.provider import OrderPipelineProvider
from pulumi.provider import main

if __name__ == "__main__":
    main(OrderPipelineProvider(), sys.argv[1:])
