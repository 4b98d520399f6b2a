"""Connect an email account through Instantly's OAuth flow with the vendored client.

    python examples/oauth_connect/app.py                      # offline, against the local stand-in
    python examples/oauth_connect/app.py --scenario expired   # pending, success, expired, rate-limited
    INSTANTLY_API_KEY=... python examples/oauth_connect/app.py --live --provider google

Steps: init the session, print the authorization URL for the user to open, wait
for the session (client.oauth.wait_for_oauth_session), print the connected account.

Exit status: 0 connected; 1 the session failed or expired; 2 timed out while
pending; 3 rate limited after the client's retries; 4 any other API error.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

# The vendored client: generated/instantly_client (or `pip install ./generated`).
sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "generated"))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from instantly_client import Client, RateLimitError
from instantly_client.errors import ApiError, OAuthSessionError, WaiterTimeoutError
from stand_in import SCENARIOS, StandIn


def connect(client: Client, provider: str, timeout: float, interval: float) -> int:
    init = client.oauth.init_google_oauth if provider == "google" else client.oauth.init_microsoft_oauth
    started = time.monotonic()
    try:
        session = init()
    except RateLimitError as exc:
        print(f"rate limited: {exc.status_code}, retry after {exc.headers.get('retry-after')} s", file=sys.stderr)
        return 3
    waited = time.monotonic() - started
    print(f"session: {session.session_id}" + (f" (after waiting {waited:.0f} s for the rate limit)" if waited >= 0.9 else ""))
    print(f"open this URL to authorize: {session.auth_url}")
    print(f"waiting for the session (up to {timeout:g} s, polling every {interval:g} s) ...")
    try:
        status = client.oauth.wait_for_oauth_session(str(session.session_id), max_wait=timeout, interval=interval)
    except OAuthSessionError as exc:
        print(f"not connected: session {exc.state}: {exc.error_description or exc.error}", file=sys.stderr)
        return 1
    except WaiterTimeoutError:
        print(f"not connected: still pending after {timeout:g} s", file=sys.stderr)
        return 2
    print(f"connected: {status.email} ({status.name})")
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0], epilog="example: python examples/oauth_connect/app.py --scenario rate-limited")
    parser.add_argument("--scenario", choices=SCENARIOS, default="success", help="what the local stand-in does (default: success)")
    parser.add_argument("--provider", choices=("google", "microsoft"), default="google")
    parser.add_argument("--timeout", type=float, default=None, help="seconds to wait for the session (default: 5 offline, 600 live)")
    parser.add_argument("--interval", type=float, default=None, help="seconds between polls (default: 0.2 offline, 2 live)")
    parser.add_argument("--live", action="store_true", help="call the real API (needs INSTANTLY_API_KEY) instead of the stand-in")
    args = parser.parse_args(argv)
    try:
        if args.live:
            with Client() as client:
                return connect(client, args.provider, args.timeout or 600.0, args.interval or 2.0)
        with StandIn(args.scenario) as stand_in, Client(api_key="example-key", base_url=stand_in.base_url, timeout=5.0) as client:
            print(f"stand-in for api.instantly.ai on {stand_in.base_url} (scenario: {args.scenario})")
            code = connect(client, args.provider, args.timeout or 5.0, args.interval or 0.2)
            print(f"stand-in saw {stand_in.inits} init request(s), {stand_in.rate_limited} rate-limited, {stand_in.polls} poll(s)")
            return code
    except ApiError as exc:
        print(f"API error: {exc}", file=sys.stderr)
        return 4


if __name__ == "__main__":
    raise SystemExit(main())
