"""The decoding fast paths (3.11 ``fromisoformat``, memoized ``d_lit``) give the same results as the slow ones."""

from __future__ import annotations

import datetime
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "generated"))

from instantly_client import _codec

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
