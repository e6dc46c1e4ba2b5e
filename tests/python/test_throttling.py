"""429 handling as each client does it, against spapi's usage plans (switched on for the test,
with a per-seller plan of rate 1/s and burst 1 so that a bucket refills in a second).

Buckets refill on spapi's clock, frozen during these tests: a client's waiting is mapped onto
that clock, so that what the client sees does not depend on how fast the machine is."""

from __future__ import annotations

import importlib
import json

import pytest
from sp_api.api import Sellers
from sp_api.base import SellingApiRequestThrottledException
from sp_api.util import throttle_retry
from spapi import ApiException, SellersApi

# The module (`sp_api.util.retry` the attribute is the decorator of the same name).
pysp_retry = importlib.import_module("sp_api.util.retry")

OP = "getMarketplaceParticipations"


def _statuses(control, mark):
    return [(e["status"], e["throttled"]) for e in control.requests_after(mark, operation=OP)]


class SleepOnSpapiClock:
    """The `time` module as python-amazon-sp-api's retry decorator sees it: its sleeps advance
    spapi's clock instead of the wall clock."""

    def __init__(self, control):
        self.control = control
        self.slept = []

    def sleep(self, seconds: float) -> None:
        self.slept.append(seconds)
        self.control.advance(seconds)


def test_pysp_throttle_retry_waits_out_quota_exceeded(env, control, pysp, monkeypatch):
    client = pysp(Sellers)
    clock = SleepOnSpapiClock(control)
    monkeypatch.setattr(pysp_retry, "time", clock)

    @throttle_retry(tries=8, delay=0.25, rate=1.3)
    def participations():
        return client.get_marketplace_participation()

    with control.throttling(env.seller_id, OP, rate=1.0, burst=1):
        mark = control.last_request_id()
        first = client.get_marketplace_participation()
        assert float(first.rate_limit) == 1.0, first.headers
        # Undecorated, the 429 reaches the app as the library's throttling exception.
        with pytest.raises(SellingApiRequestThrottledException) as e:
            client.get_marketplace_participation()
        assert e.value.amzn_code == "QuotaExceeded"
        assert e.value.message == "You exceeded your quota for the requested resource."
        assert "x-amzn-RateLimit-Limit" not in e.value.headers
        # Decorated, it sleeps and calls again until the bucket has a token.
        again = participations()
        assert {p["marketplace"]["id"] for p in again.payload} == {
            p["marketplace"]["id"] for p in first.payload
        }
        seen = _statuses(control, mark)
    # It slept 0.25 s, then 1.3 times longer each time, until a second had passed: the token.
    assert len(clock.slept) == 4 and sum(clock.slept) >= 1.0 > sum(clock.slept[:-1]), clock.slept
    assert seen == [(200, False)] + [(429, True)] * 5 + [(200, False)], seen


def test_official_sdk_surfaces_a_429_without_retry_after_once(env, control, official):
    # The SDK's HTTP layer (urllib3) retries a 429 only when it carries Retry-After; Amazon's
    # 429s do not, and neither do spapi's: the app gets the error after one call.
    api = SellersApi(official.api_client)
    with control.throttling(env.seller_id, OP, rate=1.0, burst=1):
        mark = control.last_request_id()
        _, status, headers = api.get_marketplace_participations_with_http_info()
        assert status == 200 and float(headers["x-amzn-RateLimit-Limit"]) == 1.0
        with pytest.raises(ApiException) as e:
            api.get_marketplace_participations()
        assert e.value.status == 429
        assert "Retry-After" not in e.value.headers
        assert "x-amzn-RateLimit-Limit" not in e.value.headers
        err = json.loads(e.value.body)["errors"][0]
        assert err["code"] == "QuotaExceeded", err
        assert _statuses(control, mark) == [(200, False), (429, True)]
        # Waiting 1 / rate (the header of the last success) is enough.
        control.advance(1.0 / float(headers["x-amzn-RateLimit-Limit"]))
        api.get_marketplace_participations()
        assert _statuses(control, mark)[-1] == (200, False)


def test_usage_plans_are_per_operation_for_both_clients(env, control, official, pysp):
    # With getMarketplaceParticipations' bucket empty, other operations still answer.
    from spapi import OrdersV0Api

    with control.throttling(env.seller_id, OP, rate=0.01, burst=1):
        SellersApi(official.api_client).get_marketplace_participations()
        with pytest.raises(ApiException) as e:
            SellersApi(official.api_client).get_marketplace_participations()
        assert e.value.status == 429
        with pytest.raises(SellingApiRequestThrottledException):
            pysp(Sellers).get_marketplace_participation()
        OrdersV0Api(official.api_client).get_orders(
            [env.marketplace_id], created_after="2020-01-01T00:00:00Z", max_results_per_page=1
        )
