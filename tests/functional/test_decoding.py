"""Decoding: formats, enums, unions, strictness as an argument, and bodies nested too deeply.

Decoding never raises anything but ``ApiError`` subclasses, whatever the body.
"""

from __future__ import annotations

import datetime
import json
import pickle
import textwrap
import threading
import time
from typing import Any

import pytest
from fixture_client import AsyncClient, Client, _codec, errors
from fixture_client._codec import DecodeFailure, as_object, d_list, d_lit, d_union
from fixture_client._retry import RetryPolicy
from fixture_client.models import Charge, ErrorBody, Problem, Refund, TreeNode, Widget

from .server import FaultServer, Scripted, json_body
from .support import KEY, call, raises, run_child

FAST = RetryPolicy(backoff_initial=0.01, backoff_max=0.02)
REFUND = {"type": "refund", "id": "r1", "amount": 5}
CHARGE = {"type": "charge", "id": "c1", "amount": 7, "card": "visa"}
WIDGET = {"id": "f9cc070d-8dba-4341-b847-000000000000", "day": "2025-01-02", "at": "2025-01-02T03:04:05Z", "kind": "a"}

DATES = [
    "2025-01-01T12:00:00Z",
    "2025-01-01T12:00:00z",
    "2025-01-01T12:00:00.1Z",
    "2025-01-01T12:00:00.12345678Z",
    "2025-01-01T12:00:00.123+02:00",
    " 2025-01-01T12:00:00Z ",
    "2025-01-01",
    "20250101T120000Z",
    "2025-01-01T12:00:00,5Z",
    "not a date",
    "",
]


@pytest.mark.parametrize("text", DATES)
def test_the_datetime_fast_path_matches_the_slow_path(text: str, monkeypatch: pytest.MonkeyPatch) -> None:
    fast = _codec.d_datetime(text)
    monkeypatch.setattr(_codec, "_FAST_ISO", False)  # the runtime's own switch (Python 3.10's path)
    slow = _codec.d_datetime(text)
    assert fast == slow and type(fast) is type(slow)
    if isinstance(fast, datetime.datetime):
        assert fast.utcoffset() == slow.utcoffset()


def test_strictness_is_an_argument_of_every_decoder() -> None:
    assert d_lit("a", "b")("z") == "z"
    with pytest.raises(DecodeFailure, match="one of 'a', 'b'"):
        d_lit("a", "b")("z", True)
    assert _codec.d_uuid("nope") == "nope"
    with pytest.raises(DecodeFailure, match="uuid"):
        _codec.d_uuid("nope", True)
    closed = {**WIDGET, "colour": "red"}
    assert Widget.from_dict(closed).additional_properties == {"colour": "red"}
    with pytest.raises(DecodeFailure, match=r"\$\.colour"):
        Widget.from_dict(closed, True)


def test_enum_members_keep_their_types() -> None:
    assert d_lit(1, 2)(1, True) == 1 and d_lit(1, 2)(2.0, True) == 2
    for decoder, value in ((d_lit(True), 1), (d_lit(1), True), (d_lit("a", 1), True), (d_lit("a", 1), [1])):
        with pytest.raises(DecodeFailure):
            decoder(value, True)
    assert d_lit(1, 2) is d_lit(1, 2)  # memoized: from_dict asks for it on every call


def test_strict_and_lenient_clients_side_by_side_in_threads(server: FaultServer) -> None:
    """No state is shared: each call decodes in its own client's mode."""
    server.add("/widgets", *[json_body([{**WIDGET, "kind": "c"}])] * 80)
    lenient = Client(api_key=KEY, base_url=server.url)
    strict = Client(api_key=KEY, base_url=server.url, strict=True)
    outcomes: list[tuple[bool, str]] = []

    def work(client: Client) -> None:
        for _ in range(10):
            try:
                outcomes.append((client is strict, client.payments.list_widgets()[0].kind))
            except errors.ApiDecodeError:
                outcomes.append((client is strict, "refused"))

    threads = [threading.Thread(target=work, args=(c,)) for c in (lenient, strict) * 4]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    lenient.close()
    strict.close()
    assert sorted(set(outcomes)) == [(False, "c"), (True, "refused")] and len(outcomes) == 80


# --------------------------------------------------------------- unions


def get_payment(client: Any) -> Any:
    return client.payments.get_payment("p1")


def test_a_const_tagged_branch_is_chosen_by_its_value(server: FaultServer, mode: str) -> None:
    server.add("/payments/p1", json_body(CHARGE), json_body(REFUND), json_body(CHARGE))

    charge = call(mode, get_payment, base_url=server.url)
    refund = call(mode, get_payment, base_url=server.url)
    strict = call(mode, get_payment, base_url=server.url, strict=True)

    assert type(charge) is Charge and charge.card == "visa" and charge.additional_properties == {}
    assert type(refund) is Refund and refund.amount == 5
    assert type(strict) is Charge


def test_lenient_matching_only_when_no_branch_matches_exactly(server: FaultServer, mode: str) -> None:
    chargeback = {"type": "chargeback", "id": "x", "amount": 1}
    server.add("/payments/p1", json_body(chargeback), json_body(chargeback))

    kept = call(mode, get_payment, base_url=server.url)
    exc = raises(mode, errors.ApiDecodeError, get_payment, base_url=server.url, strict=True)

    assert type(kept) is Refund and kept.type == "chargeback"  # the first branch, leniently
    assert "one of" in str(exc) and "'refund'" in str(exc) and "'charge'" in str(exc)


def test_the_branch_leaving_fewest_unknown_properties_wins() -> None:
    data = {"title": "t", "statusCode": 429, "error": "e"}  # both match; ErrorBody names more
    for union in (d_union(Problem.from_dict, ErrorBody.from_dict), d_union(ErrorBody.from_dict, Problem.from_dict)):
        chosen = union(data)
        assert type(chosen) is ErrorBody and chosen.additional_properties == {"title": "t"}


def test_a_discriminator_mapping_always_wins(server: FaultServer, mode: str) -> None:
    legacy = {"type": "legacy", "id": "l1", "amount": 3, "card": "visa"}
    other = {"type": "other", "id": "o1", "amount": 2, "card": "amex"}
    server.add("/tagged/p1", json_body(legacy), json_body({**CHARGE, "id": 5}), json_body(other))

    chosen = call(mode, lambda c: c.payments.get_tagged_payment("p1"), base_url=server.url)
    wrong = raises(mode, errors.ApiDecodeError, lambda c: c.payments.get_tagged_payment("p1"), base_url=server.url)
    fallback = call(mode, lambda c: c.payments.get_tagged_payment("p1"), base_url=server.url)

    assert type(chosen) is Refund and chosen.additional_properties == {"card": "visa"}
    assert "$.id" in str(wrong)  # the mapped branch's failure, not another branch's answer
    assert type(fallback) is Charge  # not in the mapping: the best branch


def node(value: Any, strict: bool = False) -> Any:
    """A tree whose two branches look alike at every level: the worst case for a union."""
    return _NODE(value, strict)


def kids(value: Any, strict: bool) -> Any:
    """The optional property ``kids``, decoded as a model decodes a field."""
    d = as_object(value)
    if "kids" not in d:
        return None
    try:
        return d_list(node)(d["kids"], strict)
    except DecodeFailure as exc:
        raise exc.at("kids") from None


def left(value: Any, strict: bool = False) -> Any:
    return ("left", kids(value, strict))


def right(value: Any, strict: bool = False) -> Any:
    return ("right", kids(value, strict))


_NODE = d_union(left, right)


def test_union_decoding_never_backtracks_through_a_deep_value() -> None:
    bad: Any = {"kids": [5]}  # no branch takes 5: every level's branches fail at the bottom
    good: Any = {}
    for _ in range(40):
        bad, good = {"kids": [bad]}, {"kids": [good]}
    started = time.monotonic()
    with pytest.raises(DecodeFailure) as info:
        node(bad)
    assert node(good)[0] == "left"
    assert time.monotonic() - started < 1.0  # backtracking would try 2**40 combinations
    assert str(info.value).startswith("at $.kids[0].kids[0]")


# --------------------------------------------------------------- depth


def nested(levels: int) -> bytes:
    return b"[" * levels + b"]" * levels


@pytest.mark.parametrize("status", [200, 400, 429, 503])
def test_json_nested_100000_levels_ends_in_a_typed_error(server: FaultServer, mode: str, status: int) -> None:
    deep = Scripted(status, {"Content-Type": "application/json"}, nested(100_000))
    server.add("/items/i1", deep, deep, deep)

    started = time.monotonic()
    exc = raises(mode, errors.ApiError, lambda c: c.items.get_item("i1"), base_url=server.url, retry=FAST)

    assert time.monotonic() - started < 3.0
    assert isinstance(exc, errors.ApiDecodeError)
    assert "deeper than 100 levels" in str(exc) and len(exc.raw) == 64 * 1024
    if status == 200:
        assert type(exc) is errors.ApiDecodeError
    else:
        # The status decides too: its generic class (the body was not the documented
        # one), retried when the status is; the body kept as bounded text.
        assert isinstance(exc, {400: errors.BadRequestError, 429: errors.RateLimitError, 503: errors.ServerError}[status])
        assert exc.body == exc.raw and exc.status_code == status
        assert len(server.requests) == (1 if status == 400 else 3)
        assert type(pickle.loads(pickle.dumps(exc))) is type(exc)


def tree(levels: int) -> dict[str, Any]:
    root: dict[str, Any] = {"name": "leaf"}
    for level in range(levels - 1):
        root = {"name": f"n{level}", "children": [root]}
    return root


def test_a_recursive_schema_450_levels_deep_is_refused(server: FaultServer, mode: str) -> None:
    body = json.dumps(tree(450), separators=(",", ":")).encode()
    assert 12_000 < len(body) < 14_000  # about 13 KB
    server.add("/trees/t1", Scripted(200, {"Content-Type": "application/json"}, body), json_body(tree(50)))

    exc = raises(mode, errors.ApiDecodeError, lambda c: c.payments.get_tree("t1"), base_url=server.url)
    fine = call(mode, lambda c: c.payments.get_tree("t1"), base_url=server.url)

    assert "deeper than 100 levels" in str(exc)
    assert type(fine) is TreeNode and fine.name == "n48"


def test_brackets_inside_strings_do_not_count_as_depth(server: FaultServer, mode: str) -> None:
    name = "[" * 5000 + "{" * 5000
    server.add("/trees/t1", json_body({"name": name, "children": [{"name": "]]]" * 300}]}))

    found = call(mode, lambda c: c.payments.get_tree("t1"), base_url=server.url)

    assert found.name == name


def chain(levels: int) -> dict[str, Any]:
    node: dict[str, Any] = {"name": "root"}
    for level in range(levels - 1):
        node = {"name": f"n{level}", "parent": node}
    return node


def test_no_recursion_error_escapes_even_on_a_short_stack(server: FaultServer) -> None:
    """With Python's stack cut short, decoding an allowed depth fails cleanly instead.

    99 levels of ``parent`` parse (the C parser takes a frame a level) but do not
    decode in 150 frames (the decoders take two a level)."""
    server.add("/trees/t1", json_body(chain(99)), json_body(chain(99)))
    code = textwrap.dedent(
        f"""
        import sys
        from fixture_client import Client, errors
        client = Client(api_key="k", base_url={server.url!r})
        client.payments.get_tree  # the resource, made before the stack is cut
        sys.setrecursionlimit(150)
        try:
            client.payments.get_tree("t1")
        except errors.ApiDecodeError as exc:
            print("decode error:", exc)
        sys.setrecursionlimit(1000)
        print("fine:", client.payments.get_tree("t1").name)
        """
    )
    status, output, _ = run_child(code)
    assert status == 0, output
    assert "decode error: 200: the body is nested too deeply to decode" in output
    assert "fine: n97" in output


def test_the_async_client_decodes_alike(server: FaultServer) -> None:
    """Sync and async share the decoding path: one check is enough, but make it."""
    import asyncio

    server.add("/payments/p1", json_body(CHARGE))

    async def main() -> Any:
        async with AsyncClient(api_key=KEY, base_url=server.url) as client:
            return await client.payments.get_payment("p1")

    assert type(asyncio.run(main())) is Charge
