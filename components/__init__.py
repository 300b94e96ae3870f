"""order_pipeline: a reusable Pulumi component, SNS -> SQS -> Lambda -> DynamoDB for orders.

from order_pipeline import OrderPipeline, PipelineSettings
OrderPipeline("orders", PipelineSettings(batch_size=20, batching_window_seconds=2))
"""

from .pipeline import OrderPipeline
from .settings import PipelineSettings, SettingsError, settings_from_config
from .stack_config import read_settings

__all__ = [
    "OrderPipeline",
    "PipelineSettings",
    "SettingsError",
    "read_settings",
    "settings_from_config",
]
