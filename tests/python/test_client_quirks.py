"""What the clients really send that spapi must tolerate, one test each: the quirk is shown on
the wire (captured from the client's own HTTP layer) and spapi answers it as Amazon does."""

from __future__ import annotations

import datetime as dt
import json
import time
import urllib.parse

import pytest
from sp_api.api import Notifications, Orders, Sellers
from spapi import OrdersV0Api

US, CA = "ATVPDKIKX0DER", "A2EUQ1WTGCTBG2"


@pytest.fixture
def wire():
    """Hooks a python-amazon-sp-api client's httpx client; the requests it sent."""
    sent = []

    def hook(client):
        client._transport._client.event_hooks["request"].append(sent.append)
        return client

    hook.sent = sent
    return hook


def _query(request) -> list[tuple[str, str]]:
    return urllib.parse.parse_qsl(request.url.query.decode(), keep_blank_values=True)


def _window(control):
    now = dt.datetime.fromisoformat(control.now().replace("Z", "+00:00"))
    return (now - dt.timedelta(days=10)).strftime("%Y-%m-%dT%H:%M:%SZ")


def test_pysp_sends_a_host_header_cut_from_the_endpoint(env, wire, pysp):
    # It takes `endpoint[8:]` as Host (written for https://...): over http that is the
    # endpoint's netloc without its first character.
    client = wire(pysp(Sellers))
    resp = client.get_marketplace_participation()
    assert resp.payload
    host = wire.sent[-1].headers["host"]
    netloc = urllib.parse.urlsplit(env.endpoint).netloc
    assert host == env.endpoint[8:] and host != netloc, host


def test_pysp_adds_marketplace_params_of_its_own(env, control, wire, pysp):
    client = wire(pysp(Orders))
    resp = client.get_orders(CreatedAfter=_window(control), MaxResultsPerPage=5)
    assert len(resp.payload["Orders"]) == 5
    names = {k for k, _ in _query(wire.sent[-1])}
    # MarketplaceIds is SP-API's; the three others are unknown to it and must be ignored.
    assert {"MarketplaceId", "MarketplaceIds", "marketplace_ids", "marketplaceIds"} <= names


def test_pysp_restricted_call_carries_its_own_kwargs(env, control, wire, pysp):
    placed = control.place_order(
        env.seller_id,
        [{"sku": _mfn_sku(env, control), "quantity": 1}],
        marketplace_id=env.marketplace_id,
    )
    order_id = placed["order"]["AmazonOrderId"]
    client = wire(pysp(Orders))
    order = client.get_order(order_id, RestrictedResources=["shippingAddress"]).payload
    assert order["ShippingAddress"].get("AddressLine1"), order
    rdt_request, call = wire.sent[-2], wire.sent[-1]
    body = json.loads(rdt_request.content)
    # Junk keys in the RDT request body next to restrictedResources.
    assert {"original_path", "marketplaceIds", "MarketplaceIds"} <= set(body), body
    assert body["restrictedResources"][0]["path"] == f"/orders/v0/orders/{order_id}"
    # And the restricted call repeats its kwargs as query parameters.
    names = {k for k, _ in _query(call)}
    assert {"RestrictedResources", "path"} <= names, names


def test_pysp_grantless_calls_carry_marketplace_keys_too(env, wire, pysp):
    # Grantless calls go through the same request path: createDestination's body gets the POST
    # marketplace keys, getDestinations' query the GET ones.
    client = wire(pysp(Notifications))
    name = f"quirk-{time.time_ns()}"
    created = client.create_destination(name=name, arn=f"arn:aws:sqs:us-east-1:123456789012:{name}")
    body = json.loads(wire.sent[-1].content)
    assert {"marketplaceIds", "MarketplaceIds"} <= set(body), body
    assert created.payload["name"] == name
    listed = client.get_destinations()
    assert {"MarketplaceId", "marketplace_ids"} <= {k for k, _ in _query(wire.sent[-1])}
    assert name in {d["name"] for d in listed.payload}


def test_two_marketplaces_in_one_get_orders(env, control, official, pysp, wire):
    # Both clients join a list parameter with commas (python-amazon-sp-api next to its extra
    # marketplace parameters, which name only its own marketplace).
    after = _window(control)
    off = OrdersV0Api(official.api_client).get_orders(
        [US, CA], created_after=after, max_results_per_page=100
    )
    client = wire(pysp(Orders))
    py = client.get_orders(CreatedAfter=after, MarketplaceIds=[US, CA], MaxResultsPerPage=100)
    assert [v for k, v in _query(wire.sent[-1]) if k == "MarketplaceIds"] == [f"{US},{CA}"]
    assert {o.amazon_order_id for o in off.payload.orders} == {
        o["AmazonOrderId"] for o in py.payload["Orders"]
    }
    assert off.payload.orders, "orders in the window"


def test_official_sdk_typed_models_take_every_order_state(env, control, official):
    # The official SDK builds typed models and raises when a required field is missing: every
    # order of the history, whatever its state and channel, must deserialize, with its items.
    api = OrdersV0Api(official.api_client)
    resp = api.get_orders(
        [env.marketplace_id], created_after=_window(control), max_results_per_page=100
    )
    by_state = {}
    for o in resp.payload.orders:
        by_state.setdefault((o.order_status, o.fulfillment_channel), o)
    assert len(by_state) >= 2, by_state.keys()
    for o in by_state.values():
        items = api.get_order_items(o.amazon_order_id).payload.order_items
        assert items and all(i.order_item_id for i in items)
        assert (
            api.get_order_buyer_info(o.amazon_order_id).payload.amazon_order_id == o.amazon_order_id
        )


def _mfn_sku(env, control) -> str:
    return next(
        x["sku"]
        for x in control.listings(env.seller_id)
        if x["marketplace_id"] == env.marketplace_id
        and x["fulfillment_channel"] != "AFN"
        and x["quantity"] - x["reserved"] >= 1
    )


def test_dates_as_the_clients_users_write_them(env, control, official, pysp, wire):
    # python-amazon-sp-api's documented way: `datetime.utcnow() - timedelta(...)` then
    # `.isoformat()`, a naive time with microseconds; the official SDK serializes a datetime
    # object with `.isoformat()`, with its offset. Both mean the same instant as the Z form.
    now = dt.datetime.fromisoformat(control.now().replace("Z", "+00:00"))
    start = now - dt.timedelta(days=3, microseconds=123456)
    naive = start.astimezone(dt.timezone.utc).replace(tzinfo=None)
    client = wire(pysp(Orders))
    py = client.get_orders(CreatedAfter=naive.isoformat(), MaxResultsPerPage=100)
    assert dict(_query(wire.sent[-1]))["CreatedAfter"] == naive.isoformat()
    api = OrdersV0Api(official.api_client)
    local = start.astimezone(dt.timezone(dt.timedelta(hours=-7)))
    off = api.get_orders([env.marketplace_id], created_after=local, max_results_per_page=100)
    z = api.get_orders(
        [env.marketplace_id],
        created_after=start.strftime("%Y-%m-%dT%H:%M:%S.%fZ"),
        max_results_per_page=100,
    )
    ids = {o.amazon_order_id for o in z.payload.orders}
    assert ids, "orders in the last three days"
    assert {o["AmazonOrderId"] for o in py.payload["Orders"]} == ids
    assert {o.amazon_order_id for o in off.payload.orders} == ids
