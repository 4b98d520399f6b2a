"""Jobs: a rate-limited operation, a waiter, and POSTs marked (not) idempotent."""

from __future__ import annotations

import datetime
from typing import TYPE_CHECKING

from .. import errors as _e
from .. import models as _m
from .._base_client import (
    AsyncResource,
    Body,
    Endpoint,
    Param,
    Resp,
    SyncResource,
    Waiter,
)

if TYPE_CHECKING:
    from typing_extensions import Unpack

    from .._base_client import RequestOptions
    from ..models import Job, JobInput

__all__ = ["AsyncJobs", "Jobs"]

_ERRORS = {
    "429": Resp("json", _m.ErrorBody.from_dict, _e.TooManyRequestsError),
    "503": Resp("json", _m.ErrorBody.from_dict, _e.ServiceUnavailableError),
}

_START_JOB: Endpoint[Job] = Endpoint(
    "POST",
    "/jobs",
    (),
    {"202": Resp("json", _m.Job.from_dict), **_ERRORS},
    body=Body("body", "json", "application/json"),
    limits=("jobs",),
)

_GET_JOB: Endpoint[Job] = Endpoint(
    "GET",
    "/jobs/{jobId}",
    (Param("job_id", "jobId", "path"),),
    {"200": Resp("json", _m.Job.from_dict), **_ERRORS},
)

_SUBMIT_ONCE: Endpoint[Job] = Endpoint(
    "POST",
    "/jobs/once",
    (),
    {"200": Resp("json", _m.Job.from_dict), **_ERRORS},
    idempotent=False,
)

_SUBMIT_SAFE: Endpoint[Job] = Endpoint(
    "POST",
    "/jobs/safe",
    (),
    {"200": Resp("json", _m.Job.from_dict), **_ERRORS},
    idempotent=True,
)

_WAIT_FOR_JOB: Waiter[Job] = Waiter(
    _GET_JOB,
    "status",
    success=("done",),
    failure=("failed",),
    pending=("pending",),
    error=_e.JobFailedError,
    details=("error",),
    operation="get_job",
)


class Jobs(SyncResource):
    """Jobs: rate-limited, polled by a waiter."""

    def start_job(
        self,
        *,
        body: JobInput,
        **options: Unpack[RequestOptions],
    ) -> Job:
        """``POST /jobs`` (at most 3 per API key and 5 per process a minute)"""
        return self._call(_START_JOB, locals())

    def get_job(
        self,
        job_id: str,
        **options: Unpack[RequestOptions],
    ) -> Job:
        """``GET /jobs/{jobId}``"""
        return self._call(_GET_JOB, locals())

    def submit_once(
        self,
        **options: Unpack[RequestOptions],
    ) -> Job:
        """``POST /jobs/once``: never repeated once it may have reached the server."""
        return self._call(_SUBMIT_ONCE, locals())

    def submit_safe(
        self,
        **options: Unpack[RequestOptions],
    ) -> Job:
        """``POST /jobs/safe``: safe to repeat."""
        return self._call(_SUBMIT_SAFE, locals())

    def wait_for_job(
        self,
        job_id: str,
        *,
        max_wait: float = 600.0,
        interval: float = 2.0,
        expires_at: datetime.datetime | None = None,
        **options: Unpack[RequestOptions],
    ) -> Job:
        """Poll ``get_job`` until ``status`` is final; return its response."""
        return self._wait(_WAIT_FOR_JOB, locals())


class AsyncJobs(AsyncResource):
    """Jobs: rate-limited, polled by a waiter."""

    async def start_job(
        self,
        *,
        body: JobInput,
        **options: Unpack[RequestOptions],
    ) -> Job:
        """``POST /jobs`` (at most 3 per API key and 5 per process a minute)"""
        return await self._call(_START_JOB, locals())

    async def get_job(
        self,
        job_id: str,
        **options: Unpack[RequestOptions],
    ) -> Job:
        """``GET /jobs/{jobId}``"""
        return await self._call(_GET_JOB, locals())

    async def submit_once(
        self,
        **options: Unpack[RequestOptions],
    ) -> Job:
        """``POST /jobs/once``: never repeated once it may have reached the server."""
        return await self._call(_SUBMIT_ONCE, locals())

    async def submit_safe(
        self,
        **options: Unpack[RequestOptions],
    ) -> Job:
        """``POST /jobs/safe``: safe to repeat."""
        return await self._call(_SUBMIT_SAFE, locals())

    async def wait_for_job(
        self,
        job_id: str,
        *,
        max_wait: float = 600.0,
        interval: float = 2.0,
        expires_at: datetime.datetime | None = None,
        **options: Unpack[RequestOptions],
    ) -> Job:
        """Poll ``get_job`` until ``status`` is final; return its response."""
        return await self._wait(_WAIT_FOR_JOB, locals())
