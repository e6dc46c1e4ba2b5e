"""Fixtures of the real-clients suite.

The suite drives a running spapi with two SP-API clients, each unchanged but for where it
points:

- ``amzn-sp-api``, Amazon's official Python SDK: ``SPAPIClient(config, endpoint=...,
  oauth_endpoint=...)``;
- ``python-amazon-sp-api``: a marketplace object whose endpoint is spapi's, and an
  ``AccessTokenClient`` subclass whose token URL is spapi's ``/auth/o2/token``.

``crates/spapi/tests/python_clients.rs`` starts spapi, creates an app, a seller, its
authorization and its world through the control plane, and passes them here in ``SPAPI_TEST_*``
environment variables.
"""

from __future__ import annotations

import contextlib
import dataclasses
import logging
import os
import time
import urllib.parse

import pytest
import requests

# python-amazon-sp-api replaces the marketplace a client is given by this variable's when it is
# set: the suite's marketplace object must win.
os.environ.pop("SP_API_DEFAULT_MARKETPLACE", None)

from sp_api.auth import AccessTokenClient  # noqa: E402
from sp_api.auth import access_token_client as pysp_tokens  # noqa: E402
from sp_api.base import SellingApiException  # noqa: E402
from spapi import ApiException, SPAPIClient, SPAPIConfig  # noqa: E402

# The official SDK configures INFO logging at import; one line per HTTP call is noise here.
logging.getLogger("httpx").setLevel(logging.WARNING)

NOTIFICATIONS_SCOPE = "sellingpartnerapi::notifications"

_VARS = {
    "endpoint": "SPAPI_TEST_ENDPOINT",
    "lwa_endpoint": "SPAPI_TEST_LWA_ENDPOINT",
    "client_id": "SPAPI_TEST_CLIENT_ID",
    "client_secret": "SPAPI_TEST_CLIENT_SECRET",
    "refresh_token": "SPAPI_TEST_REFRESH_TOKEN",
    "seller_id": "SPAPI_TEST_SELLER_ID",
    "marketplace_id": "SPAPI_TEST_MARKETPLACE_ID",
    "admin_token": "SPAPI_TEST_ADMIN_TOKEN",
}


@dataclasses.dataclass(frozen=True)
class Env:
    """Where spapi is and the credentials of the test seller."""

    endpoint: str
    lwa_endpoint: str
    client_id: str
    client_secret: str
    refresh_token: str
    seller_id: str
    marketplace_id: str
    admin_token: str


def _env() -> Env | None:
    values = {k: os.environ.get(v) for k, v in _VARS.items()}
    if not all(values.values()):
        return None
    return Env(**values)


def pytest_collection_modifyitems(config, items):
    if _env() is not None:
        return
    missing = ", ".join(v for v in _VARS.values() if not os.environ.get(v))
    reason = (
        f"no spapi to talk to ({missing} unset): run the suite through "
        "`cargo test -p spapi --test python_clients`, which starts spapi and sets them"
    )
    for item in items:
        item.add_marker(pytest.mark.skip(reason=reason))


@pytest.fixture(scope="session")
def env() -> Env:
    e = _env()
    assert e is not None
    return e


class Control:
    """spapi's control plane (`/emulator/v1`), with the admin token."""

    def __init__(self, env: Env):
        self.env = env
        self.http = requests.Session()
        self.http.headers["Authorization"] = f"Bearer {env.admin_token}"

    def call(self, method: str, path: str, body=None, params=None):
        r = self.http.request(
            method,
            f"{self.env.endpoint}/emulator/v1{path}",
            json=body,
            params=params,
            timeout=60,
        )
        assert r.status_code < 300, f"{method} {path}: {r.status_code} {r.text}"
        return r.json() if r.content else None

    def now(self) -> str:
        """The emulator clock's time (ISO 8601)."""
        return self.call("GET", "/clock")["now"]

    def advance(self, seconds: float):
        """Advances the emulator clock (jobs due in the interval run before it answers)."""
        return self.call("POST", "/clock", {"advance_seconds": seconds})

    def listings(self, seller_id: str):
        return self.call("GET", f"/sellers/{seller_id}/listings")["listings"]

    def place_order(self, seller_id: str, items, **extra):
        return self.call("POST", f"/sellers/{seller_id}/orders", {"items": items, **extra})

    def requests_log(self, **filters):
        """Request-log entries, newest first (`operation`, `status`, `throttled`, ...)."""
        return self.call("GET", "/requests", params={"limit": 1000, **filters})["requests"]

    def last_request_id(self) -> int:
        log = self.call("GET", "/requests", params={"limit": 1})["requests"]
        return log[0]["id"] if log else 0

    def requests_after(self, after_id: int, **filters):
        """Entries logged after `after_id`, oldest first."""
        return self.call("GET", "/requests", params={"limit": 1000, "after": after_id, **filters})[
            "requests"
        ]

    @contextlib.contextmanager
    def throttling(self, seller_id: str, operation: str, rate: float, burst: int):
        """Usage plans on (`real`) with a per-seller plan for one operation, on a frozen clock
        (buckets refill only when the test advances it); all back as before after."""
        before = self.call("GET", "/limits")["mode"]
        self.call("POST", "/clock", {"freeze": True})
        self.call("POST", "/limits", {"mode": "real", "reset": True})
        o = self.call(
            "POST",
            "/limits/overrides",
            {"seller": seller_id, "operation": operation, "rate": rate, "burst": burst},
        )
        try:
            yield o
        finally:
            self.call("DELETE", f"/limits/overrides/{o['id']}")
            self.call("POST", "/limits", {"mode": before, "reset": True})
            self.call("POST", "/clock", {"resume": True})


@pytest.fixture(scope="session")
def control(env) -> Control:
    return Control(env)


def lwa_token(env: Env, **grant) -> str:
    """A token straight from spapi's LWA endpoint (for checks outside the clients)."""
    form = {"client_id": env.client_id, "client_secret": env.client_secret, **grant}
    r = requests.post(env.lwa_endpoint, data=form, timeout=30)
    assert r.status_code == 200, r.text
    return r.json()["access_token"]


# --- amzn-sp-api (Amazon's official SDK) ---------------------------------------------------


@pytest.fixture
def official(env) -> SPAPIClient:
    """The official SDK for the seller, through the refresh_token grant."""
    config = SPAPIConfig(
        client_id=env.client_id,
        client_secret=env.client_secret,
        refresh_token=env.refresh_token,
        region="NA",
    )
    return SPAPIClient(config, endpoint=env.endpoint, oauth_endpoint=env.lwa_endpoint)


@pytest.fixture
def official_grantless(env) -> SPAPIClient:
    """The official SDK with a grantless (client_credentials) token for notifications."""
    config = SPAPIConfig(
        client_id=env.client_id,
        client_secret=env.client_secret,
        scope=NOTIFICATIONS_SCOPE,
        region="NA",
    )
    return SPAPIClient(config, endpoint=env.endpoint, oauth_endpoint=env.lwa_endpoint)


# --- python-amazon-sp-api -------------------------------------------------------------------


class SpapiMarketplace:
    """Stands where python-amazon-sp-api takes a ``Marketplaces`` member: the endpoint is
    spapi's, the marketplace id the seller's."""

    def __init__(self, endpoint: str, marketplace_id: str, region: str = "us-east-1"):
        self.endpoint = endpoint
        self.marketplace_id = marketplace_id
        self.region = region
        self.name = "SPAPI"


def spapi_token_client(lwa_endpoint: str) -> type[AccessTokenClient]:
    """An ``AccessTokenClient`` whose token URL is spapi's LWA endpoint."""
    url = urllib.parse.urlsplit(lwa_endpoint)

    class SpapiAccessTokenClient(AccessTokenClient):
        scheme = f"{url.scheme}://"
        host = url.netloc
        path = url.path

    return SpapiAccessTokenClient


@pytest.fixture
def pysp(env):
    """Builds a python-amazon-sp-api client of any API class pointed at spapi."""
    marketplace = SpapiMarketplace(env.endpoint, env.marketplace_id)
    token_client = spapi_token_client(env.lwa_endpoint)
    made = []

    def make(api_class, **kwargs):
        c = api_class(
            marketplace=marketplace,
            refresh_token=env.refresh_token,
            credentials={
                "lwa_app_id": env.client_id,
                "lwa_client_secret": env.client_secret,
            },
            auth_token_client_class=token_client,
            **kwargs,
        )
        made.append(c)
        return c

    yield make
    for c in made:
        c.close()


@pytest.fixture(autouse=True)
def fresh_pysp_tokens():
    """python-amazon-sp-api caches tokens per process (keyed by refresh token); tests move
    spapi's clock, which can expire a cached token, so each test starts without one."""
    pysp_tokens.cache.clear()
    pysp_tokens.grantless_cache.clear()
    yield
    pysp_tokens.cache.clear()
    pysp_tokens.grantless_cache.clear()


# --- operations not implemented in this build -----------------------------------------------


def _not_implemented(e: BaseException) -> bool:
    if isinstance(e, ApiException):
        return e.status == 501 and b"NotImplemented" in (
            e.body if isinstance(e.body, bytes) else str(e.body or "").encode()
        )
    if isinstance(e, SellingApiException):
        return getattr(e, "amzn_code", None) == "NotImplemented"
    return False


@contextlib.contextmanager
def skip_if_not_implemented(operation: str):
    """Runs a client call of `operation`; skips the test when spapi answers it with
    501 NotImplemented (an API whose implementation is not in this build yet). Any other
    failure propagates: the test fails."""
    try:
        yield
    except (ApiException, SellingApiException) as e:
        if _not_implemented(e):
            pytest.skip(f"{operation} answers 501 NotImplemented in this spapi build")
        raise


def wait_until(predicate, what: str, control: Control, step_seconds: float = 60, tries: int = 30):
    """Polls `predicate` and advances the emulator clock by `step_seconds` between tries
    (spapi's background work runs on that clock)."""
    for _ in range(tries):
        v = predicate()
        if v:
            return v
        control.advance(step_seconds)
        time.sleep(0.05)
    raise AssertionError(
        f"{what} did not happen within {tries} x {step_seconds} s of spapi's clock"
    )
