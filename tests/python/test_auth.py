"""Login with Amazon as each client does it: the refresh_token grant, a token that expires on
spapi's clock and the client's own refresh, and the grantless (client_credentials) flow."""

from __future__ import annotations

import time

import pytest
import requests
from cachetools import TTLCache
from conftest import NOTIFICATIONS_SCOPE, SpapiMarketplace, lwa_token, spapi_token_client
from sp_api.api import Notifications, Sellers
from sp_api.auth import access_token_client as pysp_tokens
from sp_api.auth.exceptions import AuthorizationError
from spapi import NotificationsApi, SellersApi, SPAPIClient, SPAPIConfig
from spapi.auth import lwa_request
from spapi.auth.lwa_exception import LwaException

HOUR_AND_A_BIT = 3601


def _participation_ids(payload) -> set[str]:
    return {p["marketplace"]["id"] for p in payload}


def _refused(env, token: str) -> dict:
    """Calls getMarketplaceParticipations with `token` outside the clients; the error."""
    r = requests.get(
        f"{env.endpoint}/sellers/v1/marketplaceParticipations",
        headers={"x-amz-access-token": token},
        timeout=30,
    )
    assert r.status_code == 403, (r.status_code, r.text)
    return r.json()["errors"][0]


def _token_calls(control, after_id: int) -> list[dict]:
    return [e for e in control.requests_after(after_id) if e["path"] == "/auth/o2/token"]


class ShiftedTime:
    """The `time` module as the official SDK's token cache sees it, `offset` seconds ahead."""

    def __init__(self, offset: float, sleep: bool = True):
        self.offset = offset
        self.sleeps = sleep

    def time(self) -> float:
        return time.time() + self.offset

    def sleep(self, s: float) -> None:
        if self.sleeps:
            time.sleep(s)


def test_official_sdk_refresh_token_grant_and_refresh_after_expiry(
    env, control, official, monkeypatch
):
    sellers = SellersApi(official.api_client)
    first = sellers.get_marketplace_participations()
    assert env.marketplace_id in {p.marketplace.id for p in first.payload}
    token = official.access_token_cache.token_info["access_token"]
    assert token.startswith("Atza|")

    control.advance(HOUR_AND_A_BIT)
    # An access token lives 3600 s of spapi's clock: the first one is now refused.
    err = _refused(env, token)
    assert err["code"] == "Unauthorized", err

    # The SDK decides a token is stale on its own clock (wall time): an hour passes there too,
    # and it gets a new token with the refresh token before the next call.
    monkeypatch.setattr(lwa_request, "time", ShiftedTime(HOUR_AND_A_BIT))
    mark = control.last_request_id()
    again = sellers.get_marketplace_participations()
    assert {p.marketplace.id for p in again.payload} == {p.marketplace.id for p in first.payload}
    renewed = official.access_token_cache.token_info["access_token"]
    assert renewed != token
    calls = _token_calls(control, mark)
    assert [c["status"] for c in calls] == [200], calls


def test_pysp_refresh_token_grant_and_refresh_after_expiry(env, control, pysp, monkeypatch):
    # python-amazon-sp-api keeps tokens in a TTL cache (3200 s) on a monotonic clock; give it a
    # clock the test can move together with spapi's.
    now = [time.monotonic()]
    monkeypatch.setattr(pysp_tokens, "cache", TTLCache(maxsize=10, ttl=3200, timer=lambda: now[0]))
    client = pysp(Sellers)
    first = client.get_marketplace_participation()
    assert env.marketplace_id in _participation_ids(first.payload)
    token = client.auth.access_token
    assert token.startswith("Atza|")

    control.advance(HOUR_AND_A_BIT)
    err = _refused(env, token)
    assert err["code"] == "Unauthorized", err

    now[0] += HOUR_AND_A_BIT
    mark = control.last_request_id()
    again = client.get_marketplace_participation()
    assert _participation_ids(again.payload) == _participation_ids(first.payload)
    assert client.auth.access_token != token
    calls = _token_calls(control, mark)
    assert [c["status"] for c in calls] == [200], calls


def test_both_clients_surface_lwa_invalid_grant(env, control, monkeypatch):
    # A refresh token spapi never issued: LWA answers 400 invalid_grant.
    bogus = "Atzr|" + "x" * 40
    with pytest.raises(AuthorizationError) as e:
        Sellers(
            marketplace=SpapiMarketplace(env.endpoint, env.marketplace_id),
            refresh_token=bogus,
            credentials={"lwa_app_id": env.client_id, "lwa_client_secret": env.client_secret},
            auth_token_client_class=spapi_token_client(env.lwa_endpoint),
        ).get_marketplace_participation()
    assert e.value.status_code == 400 and e.value.error_code == "invalid_grant", vars(e.value)

    # The official SDK tries a failed token request four times (sleeping 2, 4, 8 s between:
    # no sleeping here), then raises its LwaException.
    monkeypatch.setattr(lwa_request, "time", ShiftedTime(0, sleep=False))
    config = SPAPIConfig(
        client_id=env.client_id, client_secret=env.client_secret, refresh_token=bogus, region="NA"
    )
    mark = control.last_request_id()
    with pytest.raises(LwaException):
        SPAPIClient(config, endpoint=env.endpoint, oauth_endpoint=env.lwa_endpoint)
    assert [c["status"] for c in _token_calls(control, mark)] == [400] * 4


def test_official_sdk_grantless_get_destinations(env, official_grantless):
    api = NotificationsApi(official_grantless.api_client)
    name = f"py-official-{time.time_ns()}"
    arn = f"arn:aws:sqs:us-east-1:123456789012:{name}"
    created = api.create_destination({"name": name, "resourceSpecification": {"sqs": {"arn": arn}}})
    dest_id = created.payload.destination_id
    listed = api.get_destinations()
    mine = [d for d in listed.payload if d.destination_id == dest_id]
    assert len(mine) == 1
    assert mine[0].name == name
    assert mine[0].resource.sqs.arn == arn
    one = api.get_destination(dest_id)
    assert one.payload.name == name


def test_pysp_grantless_get_destinations(env, control, pysp):
    client = pysp(Notifications)
    name = f"py-pysp-{time.time_ns()}"
    arn = f"arn:aws:sqs:us-east-1:123456789012:{name}"
    mark = control.last_request_id()
    created = client.create_destination(name=name, arn=arn)
    dest_id = created.payload["destinationId"]
    listed = client.get_destinations()
    mine = [d for d in listed.payload if d["destinationId"] == dest_id]
    assert len(mine) == 1 and mine[0]["resource"]["sqs"]["arn"] == arn
    # The client asked for a grantless token for the notifications scope, not the seller's.
    log = control.requests_after(mark, operation="getDestinations")
    assert [e["status"] for e in log] == [200]
    assert log[0]["seller"] in (None, ""), log[0]


def test_a_grantless_token_is_for_its_scope_only(env):
    token = lwa_token(env, grant_type="client_credentials", scope=NOTIFICATIONS_SCOPE)
    err = _refused(env, token)
    assert err["code"] == "Unauthorized", err
