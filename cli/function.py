"""What the deployed function is told, read back from Lambda: the body format it expects
(with the handler's own settings parser) and the log group it writes to."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from order_pipeline.handler.index import ConfigurationError as HandlerConfigurationError
from order_pipeline.handler.index import load_settings

from .errors import ConfigurationError
from .targets import Target


@dataclass(frozen=True)
class FunctionFacts:
    raw_delivery: bool
    log_group: str


def function_facts(lambda_client: Any, target: Target) -> FunctionFacts:
    name = target["functionName"]
    configuration = lambda_client.get_function_configuration(FunctionName=name)
    variables = (configuration.get("Environment") or {}).get("Variables") or {}
    try:
        settings = load_settings(variables)
    except HandlerConfigurationError as error:
        raise ConfigurationError(f"function {name} is misconfigured: {error}.") from error
    log_group = (
        target.optional("logGroupName")
        or (configuration.get("LoggingConfig") or {}).get("LogGroup")
        or f"/aws/lambda/{name}"
    )
    return FunctionFacts(raw_delivery=settings.raw_delivery, log_group=log_group)
