"""The client in the contract's shape type-checks under ``mypy --strict`` for Python 3.10,
and so does code that uses it; the types say what the calls return."""

from __future__ import annotations

import subprocess
import sys
import textwrap
from pathlib import Path

from . import support

USER_CODE = textwrap.dedent(
    """
    from __future__ import annotations

    import asyncio

    from typing_extensions import assert_type

    from fixture_client import AsyncClient, Client, errors
    from fixture_client._base_client import with_raw_response
    from fixture_client._types import ApiResponse
    from fixture_client.models import Charge, Item, Job, NewItem, Refund


    def sync_use(client: Client) -> None:
        assert_type(client.items.get_item("i1", fields=["a"], timeout=1.0), Item)
        assert_type(client.items.list_items(limit=2, deadline=None), list[Item])
        assert_type(client.items.delete_item("i1"), None)
        assert_type(client.payments.get_payment("p1"), Refund | Charge)
        assert_type(client.jobs.wait_for_job("j1", max_wait=5.0, interval=0.5), Job)
        raw = with_raw_response(client.items.create_item)(body=NewItem(name="n"), idempotency_key="k")
        assert_type(raw, ApiResponse[Item])
        assert_type(raw.parsed, Item)
        try:
            client.items.get_item("i1")
        except errors.Status4XXError as exc:
            assert_type(exc.status_code, int)


    async def async_use(client: AsyncClient) -> None:
        assert_type(await client.items.get_item("i1"), Item)
        raw = await with_raw_response(client.items.get_item)("i1", max_retries=0)
        assert_type(raw, ApiResponse[Item])


    def main() -> None:
        with Client(api_key="k", deadline=10.0, max_response_bytes=1 << 20, strict=True) as client:
            sync_use(client)
        asyncio.run(async_use(AsyncClient(api_key="k")))
    """
)

WRONG_CODE = textwrap.dedent(
    """
    from fixture_client import Client
    from fixture_client.models import JobInput

    def misuse(client: Client) -> None:
        client.items.get_item(5)
        client.items.get_item("i1", timout=1.0)
        client.jobs.start_job(body=JobInput(name=1))
        client.items.list_items(limit="2")
    """
)


def mypy(*targets: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "mypy", "--strict", "--python-version", "3.10", "--no-incremental", "--cache-dir", str(cwd / ".mypy_cache"), *targets],
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=180,
    )


def test_the_package_and_code_using_it_pass_mypy_strict() -> None:
    (support.PACKAGE_ROOT / "user_code.py").write_text(USER_CODE, encoding="utf-8")
    (support.PACKAGE_ROOT / "wrong_code.py").write_text(WRONG_CODE, encoding="utf-8")

    good = mypy("fixture_client", "user_code.py", cwd=support.PACKAGE_ROOT)
    wrong = mypy("wrong_code.py", cwd=support.PACKAGE_ROOT)

    assert good.returncode == 0, good.stdout + good.stderr
    errors = [line for line in wrong.stdout.splitlines() if ": error:" in line]
    assert [line.split(":")[1] for line in errors] == ["6", "7", "8", "9"], wrong.stdout
    assert 'Unexpected keyword argument "timout"' in wrong.stdout
