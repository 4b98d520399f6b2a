"""The decoding fast paths (3.11 ``fromisoformat``, memoized ``d_lit``) give the same results as the slow ones."""

from __future__ import annotations

import datetime
import sys
from pathlib import Path
from typing import Any

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "generated"))

from instantly_client import _codec

from generator.ir import FAST_OPTIONAL

SAMPLES = [
    "2025-01-01T12:00:00Z",
    "2025-01-01T12:00:00z",
    "2025-01-01T12:00:00.1Z",
    "2025-01-01T12:00:00.12345678Z",
    "2025-01-01T12:00:00.123+02:00",
    "2025-01-01T12:00:00+00:00",
    " 2025-01-01T12:00:00Z ",
    "2025-01-01",
    "20250101T120000Z",
    "2025-01-01T12:00:00,5Z",
    "not a date",
    "",
]


@pytest.mark.parametrize("text", SAMPLES)
def test_datetime_fast_path_matches_slow_path(text: str, monkeypatch: pytest.MonkeyPatch) -> None:
    fast = _codec.d_datetime(text)
    monkeypatch.setattr(_codec, "_FAST_ISO", False)
    slow = _codec.d_datetime(text)
    assert fast == slow and type(fast) is type(slow)
    if isinstance(fast, datetime.datetime):
        assert fast.utcoffset() == slow.utcoffset()


def test_memoized_enum_decoders_keep_types_apart() -> None:
    token = _codec.STRICT.set(True)
    try:
        assert _codec.d_lit(1, 2)(1) == 1
        with pytest.raises(_codec.DecodeFailure):
            _codec.d_lit(True)(1)  # a bool enum does not take the integer 1
        with pytest.raises(_codec.DecodeFailure):
            _codec.d_lit(1)(True)
        assert _codec.d_lit(1, 2) is _codec.d_lit(1, 2)
    finally:
        _codec.STRICT.reset(token)


# One-call decoders of optional fields (``opt_str(d, k)``) against the general
# path they stand for (``opt(d, k, d_str)``): same value, same type, same error.
_ONE_CALL = {name: decoder for decoder, name in FAST_OPTIONAL.items()}
_JSON = [None, True, False, 0, 1, -7, 2.0, 2.5, float(10**20), "", "x", "12", "2025-01-01T12:00:00Z", "2025-01-01",
         "not a date", "f9cc070d-8dba-4341-b847-000000000000", "F9CC070D8DBA4341B847000000000000", "{x}", [], [1], {}, {"a": 1}]


def _outcome(call: Any) -> tuple[str, Any]:
    try:
        value = call()
    except _codec.DecodeFailure as exc:
        return "error", str(exc)
    return type(value).__name__, value


@pytest.mark.parametrize("strict", [False, True])
@pytest.mark.parametrize("name", sorted(_ONE_CALL))
def test_one_call_decoders_match_the_general_path(name: str, strict: bool) -> None:
    fast = getattr(_codec, name)
    general = eval(_ONE_CALL[name], vars(_codec))  # the decoder expression the generator would have written
    token = _codec.STRICT.set(strict)
    try:
        assert _outcome(lambda: fast({}, "k")) == _outcome(lambda: _codec.opt({}, "k", general)) == ("Unset", _codec.UNSET)
        for value in _JSON:
            data = {"k": value}
            assert _outcome(lambda d=data: fast(d, "k")) == _outcome(lambda d=data: _codec.opt(d, "k", general)), value
    finally:
        _codec.STRICT.reset(token)
