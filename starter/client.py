"""The one way the CLI, the dashboard and the worker reach Temporal."""

from __future__ import annotations

from temporalio.client import Client
from temporalio.contrib.pydantic import pydantic_data_converter

from config.settings import Settings


async def connect(settings: Settings) -> Client:
    """A client with the pydantic converter (dates cross workflow boundaries only with it)."""
    return await Client.connect(
        settings.temporal.address,
        namespace=settings.temporal.namespace,
        data_converter=pydantic_data_converter,
    )
