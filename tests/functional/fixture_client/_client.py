"""The entry points: ``Client`` and its async twin ``AsyncClient``."""

from __future__ import annotations

from functools import cached_property
from typing import TYPE_CHECKING

from ._base_client import (
    AsyncBaseClient,
    Auth,
    RateLimit,
    RetryPolicy,
    SyncBaseClient,
)

if TYPE_CHECKING:
    from .resources.bodies import AsyncBodies, Bodies
    from .resources.items import AsyncItems, Items
    from .resources.jobs import AsyncJobs, Jobs
    from .resources.params import AsyncParams, Params
    from .resources.payments import AsyncPayments, Payments

__all__ = ["AsyncClient", "Client"]


class Client(SyncBaseClient):
    """Synchronous client for Fixture API.

    The API key comes from ``api_key=`` or the ``FIXTURE_API_KEY`` environment variable.
    """

    _default_base_url = "https://api.fixture.example"
    _api_key_env = "FIXTURE_API_KEY"
    _auth = Auth("bearer", "")
    _user_agent = "fixture_client/1.0.0"
    _retry = RetryPolicy(
        max_retries=2,
        statuses=(408, 429, 502, 503, 504),
        backoff_initial=0.5,
        backoff_max=8.0,
        retry_after_cap=60.0,
    )
    _rate_limits = (RateLimit("jobs", per_key=3, per_process=5, window=60.0),)

    @cached_property
    def bodies(self) -> Bodies:
        """Request bodies of every kind."""
        from .resources.bodies import Bodies

        return Bodies(self)

    @cached_property
    def items(self) -> Items:
        """Items, with documented errors."""
        from .resources.items import Items

        return Items(self)

    @cached_property
    def jobs(self) -> Jobs:
        """Jobs: rate-limited, polled by a waiter."""
        from .resources.jobs import Jobs

        return Jobs(self)

    @cached_property
    def params(self) -> Params:
        """Parameters of every location and style."""
        from .resources.params import Params

        return Params(self)

    @cached_property
    def payments(self) -> Payments:
        """Payments: unions and recursive models."""
        from .resources.payments import Payments

        return Payments(self)


class AsyncClient(AsyncBaseClient):
    """Asynchronous client for Fixture API.

    The API key comes from ``api_key=`` or the ``FIXTURE_API_KEY`` environment variable.
    """

    _default_base_url = "https://api.fixture.example"
    _api_key_env = "FIXTURE_API_KEY"
    _auth = Auth("bearer", "")
    _user_agent = "fixture_client/1.0.0"
    _retry = RetryPolicy(
        max_retries=2,
        statuses=(408, 429, 502, 503, 504),
        backoff_initial=0.5,
        backoff_max=8.0,
        retry_after_cap=60.0,
    )
    _rate_limits = (RateLimit("jobs", per_key=3, per_process=5, window=60.0),)

    @cached_property
    def bodies(self) -> AsyncBodies:
        """Request bodies of every kind."""
        from .resources.bodies import AsyncBodies

        return AsyncBodies(self)

    @cached_property
    def items(self) -> AsyncItems:
        """Items, with documented errors."""
        from .resources.items import AsyncItems

        return AsyncItems(self)

    @cached_property
    def jobs(self) -> AsyncJobs:
        """Jobs: rate-limited, polled by a waiter."""
        from .resources.jobs import AsyncJobs

        return AsyncJobs(self)

    @cached_property
    def params(self) -> AsyncParams:
        """Parameters of every location and style."""
        from .resources.params import AsyncParams

        return AsyncParams(self)

    @cached_property
    def payments(self) -> AsyncPayments:
        """Payments: unions and recursive models."""
        from .resources.payments import AsyncPayments

        return AsyncPayments(self)
