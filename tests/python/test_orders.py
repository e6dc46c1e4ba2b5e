"""Sellers and Orders through both clients: marketplace participations, getOrders across many
pages, getOrder, getOrderItems, and the Restricted Data Token flow for getOrderAddress."""

from __future__ import annotations

import datetime as dt

import pytest
from sp_api.api import Orders, Sellers, Tokens
from sp_api.base import SellingApiForbiddenException
from sp_api.util import load_all_pages
from spapi import ApiClient, ApiException, Configuration, OrdersV0Api, SellersApi, TokensApi

PAGE = 20


def _iso(t: dt.datetime) -> str:
    return t.astimezone(dt.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def _spapi_now(control) -> dt.datetime:
    return dt.datetime.fromisoformat(control.now().replace("Z", "+00:00"))


@pytest.fixture(scope="module")
def window(control):
    """A getOrders window of the generated history that no test adds orders to."""
    now = _spapi_now(control)
    return _iso(now - dt.timedelta(days=20)), _iso(now - dt.timedelta(days=2))


@pytest.fixture
def placed(env, control):
    """A buyer order placed now through the control plane, with a known buyer and address."""
    listing = next(
        x
        for x in control.listings(env.seller_id)
        if x["marketplace_id"] == env.marketplace_id
        and x["fulfillment_channel"] != "AFN"
        and x["quantity"] - x["reserved"] >= 2
    )
    ship_to = {
        "Name": "Ada Lovelace",
        "AddressLine1": "12 Analytical Engine Way",
        "City": "Seattle",
        "StateOrRegion": "WA",
        "PostalCode": "98109",
        "CountryCode": "US",
    }
    made = control.place_order(
        env.seller_id,
        [{"sku": listing["sku"], "quantity": 2}],
        marketplace_id=env.marketplace_id,
        ship_to=ship_to,
        buyer_name="Ada Lovelace",
    )
    return {"id": made["order"]["AmazonOrderId"], "sku": listing["sku"], "ship_to": ship_to}


# --- getMarketplaceParticipations ------------------------------------------------------------


def test_official_sdk_get_marketplace_participations(env, control, official):
    seller = control.call("GET", f"/sellers/{env.seller_id}")
    resp = SellersApi(official.api_client).get_marketplace_participations()
    ids = {p.marketplace.id for p in resp.payload}
    assert ids == set(seller["marketplace_ids"])
    assert all(p.participation.is_participating for p in resp.payload)


def test_pysp_get_marketplace_participations(env, control, pysp):
    seller = control.call("GET", f"/sellers/{env.seller_id}")
    resp = pysp(Sellers).get_marketplace_participation()
    ids = {p["marketplace"]["id"] for p in resp.payload}
    assert ids == set(seller["marketplace_ids"])
    assert resp.rate_limit is not None and float(resp.rate_limit) > 0


# --- getOrders across pages ------------------------------------------------------------------


def _official_pages(official, env, window):
    api = OrdersV0Api(official.api_client)
    pages, token = [], None
    while True:
        kw = {"next_token": token} if token else {}
        # As the model says: the filters again with every NextToken.
        resp = api.get_orders(
            [env.marketplace_id],
            created_after=window[0],
            created_before=window[1],
            max_results_per_page=PAGE,
            **kw,
        )
        pages.append([o.amazon_order_id for o in resp.payload.orders])
        token = resp.payload.next_token
        if not token:
            return pages
        assert len(pages) < 500, "no end to the pages"


def _pysp_pages(client, window):
    @load_all_pages(throttle_by_seconds=0)
    def every_page(**kwargs):
        return client.get_orders(**kwargs)

    return [
        [o["AmazonOrderId"] for o in page.payload["Orders"]]
        for page in every_page(
            CreatedAfter=window[0], CreatedBefore=window[1], MaxResultsPerPage=PAGE
        )
    ]


def _check_pages(pages):
    flat = [o for p in pages for o in p]
    assert len(pages) >= 5, f"only {len(pages)} pages"
    assert all(0 < len(p) <= PAGE for p in pages)
    assert all(len(p) == PAGE for p in pages[:-1]), [len(p) for p in pages]
    assert len(set(flat)) == len(flat), "an order came twice"
    return set(flat)


def test_get_orders_across_many_pages_is_the_same_for_both_clients(env, official, pysp, window):
    official_ids = _check_pages(_official_pages(official, env, window))
    pysp_ids = _check_pages(_pysp_pages(pysp(Orders), window))
    assert official_ids == pysp_ids


def test_get_orders_pages_hold_what_one_page_per_day_holds(env, official, pysp, window):
    # The same window asked day by day (each day fits in one page of 100) gives the same orders.
    api = OrdersV0Api(official.api_client)
    start = dt.datetime.fromisoformat(window[0].replace("Z", "+00:00"))
    end = dt.datetime.fromisoformat(window[1].replace("Z", "+00:00"))
    by_day = set()
    while start < end:
        stop = min(start + dt.timedelta(days=1), end)
        resp = api.get_orders(
            [env.marketplace_id],
            created_after=_iso(start),
            created_before=_iso(stop),
            max_results_per_page=100,
        )
        assert resp.payload.next_token is None, "a day of the test world fits in one page"
        by_day |= {o.amazon_order_id for o in resp.payload.orders}
        start = stop
    paged = _check_pages(_pysp_pages(pysp(Orders), window))
    assert by_day == paged


# --- getOrder, getOrderItems -----------------------------------------------------------------


def test_official_sdk_get_order_and_items(env, official, placed):
    api = OrdersV0Api(official.api_client)
    order = api.get_order(placed["id"]).payload
    assert order.amazon_order_id == placed["id"]
    assert order.marketplace_id == env.marketplace_id
    assert order.order_status in ("Pending", "Unshipped")
    items = api.get_order_items(placed["id"]).payload
    assert items.amazon_order_id == placed["id"]
    assert [(i.seller_sku, i.quantity_ordered) for i in items.order_items] == [(placed["sku"], 2)]
    # A plain token: no personal data in the order.
    assert order.shipping_address is None or order.shipping_address.name is None


def test_pysp_get_order_and_items(env, pysp, placed):
    client = pysp(Orders)
    order = client.get_order(placed["id"]).payload
    assert order["AmazonOrderId"] == placed["id"]
    assert order["MarketplaceId"] == env.marketplace_id
    items = client.get_order_items(placed["id"]).payload
    assert [(i["SellerSKU"], i["QuantityOrdered"]) for i in items["OrderItems"]] == [
        (placed["sku"], 2)
    ]
    assert "Name" not in (order.get("ShippingAddress") or {})


def test_get_order_of_another_id_is_not_found_for_both(env, official, pysp):
    from sp_api.base import SellingApiNotFoundException

    missing = "111-0000000-0000000"
    with pytest.raises(ApiException) as e:
        OrdersV0Api(official.api_client).get_order(missing)
    assert e.value.status == 404
    with pytest.raises(SellingApiNotFoundException) as e2:
        pysp(Orders).get_order(missing)
    assert e2.value.amzn_code == "NotFound"


# --- Restricted Data Tokens ------------------------------------------------------------------


class _RestrictedDataToken:
    """The official SDK asks its configuration's token cache for the token of every call; an
    RDT goes in its place."""

    def __init__(self, token: str):
        self.token = token

    def get_lwa_access_token(self) -> str:
        return self.token


def _official_with_token(env, token: str) -> ApiClient:
    c = Configuration()
    c.host = env.endpoint
    c.access_token_cache = _RestrictedDataToken(token)
    return ApiClient(configuration=c)


def test_official_sdk_rdt_for_get_order_address(env, official, placed):
    plain = OrdersV0Api(official.api_client).get_order_address(placed["id"]).payload
    assert plain.amazon_order_id == placed["id"]
    assert plain.shipping_address is None or plain.shipping_address.name is None

    rdt = (
        TokensApi(official.api_client)
        .create_restricted_data_token(
            {
                "restrictedResources": [
                    {"method": "GET", "path": f"/orders/v0/orders/{placed['id']}/address"}
                ]
            }
        )
        .restricted_data_token
    )
    assert rdt.startswith("Atz.sprdt|")
    with_rdt = OrdersV0Api(_official_with_token(env, rdt))
    addr = with_rdt.get_order_address(placed["id"]).payload.shipping_address
    assert addr.name == placed["ship_to"]["Name"]
    assert addr.address_line1 == placed["ship_to"]["AddressLine1"]
    assert addr.postal_code == placed["ship_to"]["PostalCode"]
    # The RDT names this order's address only.
    with pytest.raises(ApiException) as e:
        with_rdt.get_order(placed["id"])
    assert e.value.status == 403


def test_pysp_restricted_resources_for_get_order(env, control, pysp, placed):
    # python-amazon-sp-api's own RDT flow: RestrictedResources on the call gets an RDT for it.
    order = (
        pysp(Orders)
        .get_order(placed["id"], RestrictedResources=["buyerInfo", "shippingAddress"])
        .payload
    )
    assert order["ShippingAddress"]["Name"] == placed["ship_to"]["Name"]
    assert order["ShippingAddress"]["AddressLine1"] == placed["ship_to"]["AddressLine1"]
    assert order["BuyerInfo"].get("BuyerEmail")
    log = control.requests_log(operation="createRestrictedDataToken", status=200)
    assert log, "the client asked spapi for an RDT"


def test_pysp_rdt_for_get_order_address(env, pysp, placed):
    path = f"/orders/v0/orders/{placed['id']}/address"
    rdt = (
        pysp(Tokens)
        .create_restricted_data_token(restrictedResources=[{"method": "GET", "path": path}])
        .payload["restrictedDataToken"]
    )
    with pysp(Orders, restricted_data_token=rdt) as client:
        addr = client.get_order_address(placed["id"]).payload["ShippingAddress"]
        assert addr["Name"] == placed["ship_to"]["Name"]
        assert addr["City"] == placed["ship_to"]["City"]
        # Bound to the resource it names.
        with pytest.raises(SellingApiForbiddenException):
            client.get_order_items(placed["id"])
    plain = pysp(Orders).get_order_address(placed["id"]).payload["ShippingAddress"]
    assert "Name" not in plain and "AddressLine1" not in plain


def test_get_orders_with_restricted_resources_pysp(env, pysp, placed, control):
    # getOrders sees orders created up to two minutes before now: let five pass.
    control.advance(300)
    now = _spapi_now(control)
    after = _iso(now - dt.timedelta(hours=1))
    resp = pysp(Orders).get_orders(
        CreatedAfter=after, RestrictedResources=["buyerInfo", "shippingAddress"]
    )
    mine = [o for o in resp.payload["Orders"] if o["AmazonOrderId"] == placed["id"]]
    assert len(mine) == 1
    assert mine[0]["ShippingAddress"]["Name"] == placed["ship_to"]["Name"]
