"""The fake Stripe server answers as Stripe does where the provider's tests rely on it."""

import requests

from payments.tests.fakes.stripe import FakeStripe


def post(server: FakeStripe, path: str, data: dict, *, key: str = "", auth: str | None = None) -> requests.Response:
    headers = {"Authorization": auth if auth is not None else f"Bearer {server.secret_key}"}
    if key:
        headers["Idempotency-Key"] = key
    return requests.post(f"{server.url}{path}", data=data, headers=headers, timeout=5)


def test_a_request_without_a_key_is_401_in_stripe_s_error_shape(stripe_server):
    answer = post(stripe_server, "/v1/payment_intents", {"amount": 100, "currency": "kes"}, auth="")

    assert answer.status_code == 401
    assert answer.json()["error"]["type"] == "invalid_request_error"
    assert answer.json()["error"]["message"].startswith("You did not provide an API key.")
    assert stripe_server.payment_intents == {}


def test_a_wrong_key_is_401_and_quoted_masked(stripe_server):
    answer = post(
        stripe_server, "/v1/payment_intents", {"amount": 100, "currency": "kes"}, auth="Bearer sk_test_wrong0000key9876"
    )

    assert answer.status_code == 401
    assert answer.json()["error"]["message"] == "Invalid API Key provided: sk_test_" + "*" * 12 + "9876"


def test_form_keys_in_brackets_are_nested(stripe_server):
    answer = post(
        stripe_server,
        "/v1/payment_intents",
        {"amount": "100", "currency": "KES", "metadata[order_id]": "7", "automatic_payment_methods[enabled]": "true"},
    )

    intent = answer.json()
    assert answer.status_code == 200
    assert (intent["object"], intent["currency"], intent["metadata"]) == ("payment_intent", "kes", {"order_id": "7"})
    assert intent["automatic_payment_methods"] == {"allow_redirects": "always", "enabled": True}
    assert intent["client_secret"].startswith(f"{intent['id']}_secret_")


def test_a_replayed_idempotency_key_answers_the_first_response(stripe_server):
    first = post(stripe_server, "/v1/payment_intents", {"amount": 100, "currency": "kes"}, key="k1")
    again = post(stripe_server, "/v1/payment_intents", {"amount": 100, "currency": "kes"}, key="k1")

    assert again.json() == first.json()
    assert (first.headers.get("Idempotent-Replayed"), again.headers["Idempotent-Replayed"]) == (None, "true")
    assert len(stripe_server.payment_intents) == 1


def test_an_idempotency_key_reused_with_other_parameters_or_path_is_400(stripe_server):
    post(stripe_server, "/v1/payment_intents", {"amount": 100, "currency": "kes"}, key="k1")

    other_amount = post(stripe_server, "/v1/payment_intents", {"amount": 101, "currency": "kes"}, key="k1")
    other_path = post(stripe_server, "/v1/refunds", {"amount": 100, "currency": "kes"}, key="k1")

    for answer in (other_amount, other_path):
        assert answer.status_code == 400
        assert answer.json()["error"]["type"] == "idempotency_error"
    assert len(stripe_server.payment_intents) == 1


def test_a_failed_request_keeps_no_idempotent_result(stripe_server):
    missing_currency = post(stripe_server, "/v1/payment_intents", {"amount": 100}, key="k1")
    corrected = post(stripe_server, "/v1/payment_intents", {"amount": 100, "currency": "kes"}, key="k1")

    assert missing_currency.json()["error"] == {
        "type": "invalid_request_error",
        "message": "Missing required param: currency.",
        "code": "parameter_missing",
        "doc_url": "https://stripe.com/docs/error-codes/parameter-missing",
        "param": "currency",
    }
    assert corrected.status_code == 200


def test_an_unknown_payment_intent_is_404_resource_missing(stripe_server):
    answer = requests.get(
        f"{stripe_server.url}/v1/payment_intents/pi_nope",
        headers={"Authorization": f"Bearer {stripe_server.secret_key}"},
        timeout=5,
    )

    assert answer.status_code == 404
    assert answer.json()["error"]["code"] == "resource_missing"
    assert answer.json()["error"]["message"] == "No such payment_intent: 'pi_nope'"


def test_a_refund_by_charge_and_one_beyond_the_charge(stripe_server):
    intent = post(stripe_server, "/v1/payment_intents", {"amount": 1000, "currency": "kes"}).json()
    charge_id = stripe_server.succeed(intent["id"])["latest_charge"]

    refund = post(stripe_server, "/v1/refunds", {"charge": charge_id, "amount": 400}).json()
    too_much = post(stripe_server, "/v1/refunds", {"charge": charge_id, "amount": 601})

    assert (refund["object"], refund["amount"], refund["payment_intent"]) == ("refund", 400, intent["id"])
    assert too_much.status_code == 400
    assert too_much.json()["error"]["code"] == "amount_too_large"
    assert stripe_server.charge(charge_id)["amount_refunded"] == 400


def test_fail_next_fails_as_many_requests_as_asked(stripe_server):
    stripe_server.fail_next(2)

    answers = [post(stripe_server, "/v1/payment_intents", {"amount": 1, "currency": "kes"}) for _ in range(3)]

    assert [answer.status_code for answer in answers] == [500, 500, 200]
    assert answers[0].json()["error"]["type"] == "api_error"


def test_an_event_is_a_stripe_event(stripe_server):
    event = stripe_server.event("charge.refunded", {"id": "ch_1", "object": "charge"})

    assert event["id"].startswith("evt_")
    assert (event["object"], event["type"], event["livemode"]) == ("event", "charge.refunded", False)
    assert event["data"] == {"object": {"id": "ch_1", "object": "charge"}}
