"""A local Stripe API for tests: a real HTTP server on 127.0.0.1 speaking Stripe's request and response shapes, and
webhooks signed as Stripe signs them.

    with FakeStripe() as server:                       # listens on a free port until the block ends
        settings.STRIPE_API_BASE = server.url          # and STRIPE_SECRET_KEY = server.secret_key
        ...                                            # the provider creates a PaymentIntent: server.payment_intents
        intent = server.succeed(pi_id)                 # the customer paid: status, amount_received, a charge
        event = server.event("payment_intent.succeeded", intent)
        body, headers = signed_webhook(event, "whsec_...")   # the STRIPE_WEBHOOK_SECRET
        client.post(webhook_url, body, content_type="application/json", headers=headers)

The API (`/v1/...`):
- `POST /v1/payment_intents` (form-encoded, nested keys such as `metadata[order_id]`), `GET /v1/payment_intents/{id}`,
  `POST /v1/refunds` (`payment_intent` or `charge`, optional `amount`; at most what is left unrefunded).
- `Authorization: Bearer <secret_key>` is required (401 otherwise). `Idempotency-Key` is honoured on POSTs as Stripe
  does: the same key with the same parameters replays the first answer (header `Idempotent-Replayed: true`), with
  other parameters or another path it is a 400 `idempotency_error`. Only successful answers are kept, as Stripe keeps
  no result for a request that failed validation.
- Errors have Stripe's shape `{"error": {"type", "code", "message", "param", "doc_url"}}`; an unknown id is a 404
  `resource_missing`.

`FakeStripe(secret_key=...)` takes the key it accepts (`server.secret_key`, a test key by default).

Test controls (those that change a PaymentIntent return it as Stripe would now send it, a fresh dict):
- `succeed(pi_id)`: the customer paid in full; a succeeded charge becomes `latest_charge`.
- `fail(pi_id, code=..., message=...)`: a declined attempt; back to `requires_payment_method` with `last_payment_error`.
- `set_status(pi_id, status)`: `processing`, `requires_action`, `requires_confirmation`; `cancel(pi_id, reason)`.
- `refund_status`: the status new refunds get (`succeeded`, or `pending`, `failed`, ...).
- `fail_next(count=1)`: the next `count` requests answer 500 `api_error`; `hang_next(count=1)`: the next `count`
  requests get no answer until the server stops (for client timeouts).
- `payment_intents`, `charges`, `refunds`: the objects by id; `requests`: every request received, in order
  (`RecordedRequest`: method, path, headers, params as nested dicts of strings).
- `event(type, obj)`: a Stripe Event (`evt_...`) carrying `obj` as `data.object`; `charge(ch_id)`: a charge object.
- `signed_webhook(event, secret, timestamp=None)`: the body and the `Stripe-Signature` header for the event.
"""

import copy
import hashlib
import hmac
import json
import secrets
import threading
import time
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qsl, urlsplit

API_VERSION = "2026-10-28.endive"
DEFAULT_SECRET_KEY = "sk_test_fake_51NfakeStripeKey"


@dataclass(frozen=True)
class RecordedRequest:
    method: str
    path: str
    headers: dict[str, str]
    params: dict[str, Any]


class StripeApiError(Exception):
    def __init__(self, status: int, error: dict[str, Any]) -> None:
        super().__init__(error.get("message", ""))
        self.status = status
        self.error = error


def _error(status: int, message: str, *, code: str = "", param: str = "", kind: str = "invalid_request_error"):
    error: dict[str, Any] = {"type": kind, "message": message}
    if code:
        error["code"] = code
        error["doc_url"] = f"https://stripe.com/docs/error-codes/{code.replace('_', '-')}"
    if param:
        error["param"] = param
    return StripeApiError(status, error)


def _new_id(prefix: str) -> str:
    return f"{prefix}_3Fake{secrets.token_hex(10)}"


def _nested(pairs: list[tuple[str, str]]) -> dict[str, Any]:
    """`metadata[order_id]=7` as {"metadata": {"order_id": "7"}}, the way Stripe reads a form body."""
    params: dict[str, Any] = {}
    for key, value in pairs:
        head, _, rest = key.partition("[")
        names = [head] + ([part.rstrip("]") for part in rest.split("[")] if rest else [])
        node = params
        for name in names[:-1]:
            node = node.setdefault(name, {})
        node[names[-1]] = value
    return params


def _mask(key: str) -> str:
    return f"{key[:8]}{'*' * max(len(key) - 12, 0)}{key[-4:]}"


class FakeStripe:
    def __init__(self, secret_key: str = DEFAULT_SECRET_KEY) -> None:
        self.secret_key = secret_key
        self.payment_intents: dict[str, dict[str, Any]] = {}
        self.charges: dict[str, dict[str, Any]] = {}
        self.refunds: dict[str, dict[str, Any]] = {}
        self.requests: list[RecordedRequest] = []
        self.refund_status = "succeeded"
        # Idempotency-Key -> (path, parameters, response) of the first successful request with it.
        self._idempotent: dict[str, tuple[str, dict[str, Any], dict[str, Any]]] = {}
        self._failures_left = 0
        self._hangs_left = 0
        self._stopping = threading.Event()
        self._lock = threading.Lock()
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), _handler_for(self))
        self._server.daemon_threads = True
        # A short poll, so that leaving the `with` block (shutdown) takes milliseconds, not the default half second.
        self._thread = threading.Thread(target=self._server.serve_forever, kwargs={"poll_interval": 0.01}, daemon=True)
        self.url = f"http://127.0.0.1:{self._server.server_address[1]}"

    def __enter__(self) -> "FakeStripe":
        self._thread.start()
        return self

    def __exit__(self, *exc_info: object) -> None:
        self._stopping.set()
        self._server.shutdown()
        self._server.server_close()
        self._thread.join()

    # Test controls

    def succeed(self, pi_id: str) -> dict[str, Any]:
        with self._lock:
            intent = self._intent(pi_id)
            charge = self._new_charge(intent, status="succeeded")
            intent.update(
                status="succeeded",
                amount_received=intent["amount"],
                latest_charge=charge["id"],
                last_payment_error=None,
            )
            return copy.deepcopy(intent)

    def fail(
        self, pi_id: str, *, code: str = "card_declined", message: str = "Your card was declined."
    ) -> dict[str, Any]:
        with self._lock:
            intent = self._intent(pi_id)
            charge = self._new_charge(intent, status="failed", failure_code=code, failure_message=message)
            intent.update(
                status="requires_payment_method",
                latest_charge=charge["id"],
                last_payment_error={
                    "type": "card_error",
                    "code": code,
                    "decline_code": "generic_decline" if code == "card_declined" else None,
                    "doc_url": f"https://stripe.com/docs/error-codes/{code.replace('_', '-')}",
                    "message": message,
                    "charge": charge["id"],
                },
            )
            return copy.deepcopy(intent)

    def set_status(self, pi_id: str, status: str) -> dict[str, Any]:
        with self._lock:
            intent = self._intent(pi_id)
            intent["status"] = status
            return copy.deepcopy(intent)

    def cancel(self, pi_id: str, reason: str = "abandoned") -> dict[str, Any]:
        with self._lock:
            intent = self._intent(pi_id)
            intent.update(status="canceled", canceled_at=int(time.time()), cancellation_reason=reason)
            return copy.deepcopy(intent)

    def charge(self, ch_id: str) -> dict[str, Any]:
        with self._lock:
            return copy.deepcopy(self.charges[ch_id])

    def fail_next(self, count: int = 1) -> None:
        with self._lock:
            self._failures_left = count

    def hang_next(self, count: int = 1) -> None:
        with self._lock:
            self._hangs_left = count

    def event(self, type: str, obj: dict[str, Any]) -> dict[str, Any]:
        return {
            "id": _new_id("evt"),
            "object": "event",
            "api_version": API_VERSION,
            "created": int(time.time()),
            "data": {"object": copy.deepcopy(obj)},
            "livemode": False,
            "pending_webhooks": 1,
            "request": {"id": None, "idempotency_key": None},
            "type": type,
        }

    # The HTTP side

    def answer(self, method: str, target: str, headers: dict[str, str], body: bytes) -> tuple[int, dict, bool]:
        """What Stripe would answer (status, body, whether it is an idempotent replay); runs in the server's threads.
        Hanging requests wait here, outside the lock."""
        path = urlsplit(target).path
        form = body.decode() if method == "POST" else urlsplit(target).query
        params = _nested(parse_qsl(form, keep_blank_values=True))
        with self._lock:
            self.requests.append(RecordedRequest(method=method, path=path, headers=headers, params=params))
            hang = self._hangs_left > 0
            self._hangs_left -= hang
        if hang:
            self._stopping.wait()
            return 500, {"error": {"type": "api_error", "message": "The server stopped."}}, False
        with self._lock:
            try:
                response, replayed = self._route(method, path, headers, params)
            except StripeApiError as exc:
                return exc.status, {"error": exc.error}, False
            return 200, response, replayed

    def _route(self, method: str, path: str, headers: dict[str, str], params: dict[str, Any]) -> tuple[dict, bool]:
        if self._failures_left > 0:
            self._failures_left -= 1
            raise _error(500, "An unknown error occurred.", kind="api_error")
        self._authenticate(headers.get("authorization", ""))
        key = headers.get("idempotency-key", "") if method == "POST" else ""
        if key and key in self._idempotent:
            first_path, first_params, response = self._idempotent[key]
            if (first_path, first_params) != (path, params):
                raise _error(
                    400,
                    "Keys for idempotent requests can only be used with the same parameters they were first used "
                    f"with. Try using a key other than '{key}' if you meant to execute a different request.",
                    kind="idempotency_error",
                )
            return copy.deepcopy(response), True
        response = self._dispatch(method, path, params)
        if key:
            self._idempotent[key] = (path, params, copy.deepcopy(response))
        return response, False

    def _dispatch(self, method: str, path: str, params: dict[str, Any]) -> dict[str, Any]:
        parts = path.strip("/").split("/")
        if method == "POST" and parts == ["v1", "payment_intents"]:
            return self._create_intent(params)
        if method == "GET" and len(parts) == 3 and parts[:2] == ["v1", "payment_intents"]:
            return copy.deepcopy(self._intent(parts[2], param="intent"))
        if method == "POST" and parts == ["v1", "refunds"]:
            return self._create_refund(params)
        raise _error(404, f"Unrecognized request URL ({method}: {path}).")

    def _authenticate(self, authorization: str) -> None:
        scheme, _, key = authorization.partition(" ")
        if scheme != "Bearer" or not key:
            raise _error(
                401,
                "You did not provide an API key. You need to provide your API key in the Authorization header, "
                "using Bearer auth (e.g. 'Authorization: Bearer YOUR_SECRET_KEY').",
            )
        if key != self.secret_key:
            raise _error(401, f"Invalid API Key provided: {_mask(key)}")

    def _intent(self, pi_id: str, param: str = "") -> dict[str, Any]:
        try:
            return self.payment_intents[pi_id]
        except KeyError:
            raise _error(404, f"No such payment_intent: '{pi_id}'", code="resource_missing", param=param) from None

    def _create_intent(self, params: dict[str, Any]) -> dict[str, Any]:
        amount = _positive_integer(params, "amount")
        currency = params.get("currency")
        if not currency:
            raise _error(400, "Missing required param: currency.", code="parameter_missing", param="currency")
        if len(currency) != 3 or not currency.isalpha():
            raise _error(
                400, f"Invalid currency: {currency.lower()}.", code="parameter_invalid_string", param="currency"
            )
        automatic = params.get("automatic_payment_methods", {}).get("enabled") == "true"
        pi_id = _new_id("pi")
        intent = {
            "id": pi_id,
            "object": "payment_intent",
            "amount": amount,
            "amount_capturable": 0,
            "amount_details": {"tip": {}},
            "amount_received": 0,
            "application": None,
            "application_fee_amount": None,
            "automatic_payment_methods": {"allow_redirects": "always", "enabled": True} if automatic else None,
            "canceled_at": None,
            "cancellation_reason": None,
            "capture_method": "automatic_async",
            "client_secret": f"{pi_id}_secret_{secrets.token_hex(12)}",
            "confirmation_method": "automatic",
            "created": int(time.time()),
            "currency": currency.lower(),
            "customer": None,
            "customer_account": None,
            "description": params.get("description"),
            "excluded_payment_method_types": None,
            "last_payment_error": None,
            "latest_charge": None,
            "livemode": False,
            "metadata": dict(params.get("metadata", {})),
            "next_action": None,
            "on_behalf_of": None,
            "payment_method": None,
            "payment_method_configuration_details": None,
            "payment_method_options": {},
            "payment_method_types": ["card"],
            "processing": None,
            "receipt_email": None,
            "review": None,
            "setup_future_usage": None,
            "shipping": None,
            "source": None,
            "statement_descriptor": None,
            "statement_descriptor_suffix": None,
            "status": "requires_payment_method",
            "transfer_data": None,
            "transfer_group": None,
        }
        self.payment_intents[pi_id] = intent
        return copy.deepcopy(intent)

    def _new_charge(self, intent: dict[str, Any], *, status: str, failure_code=None, failure_message=None):
        paid = status == "succeeded"
        charge_id = _new_id("ch")
        charge = {
            "id": charge_id,
            "object": "charge",
            "amount": intent["amount"],
            "amount_captured": intent["amount"] if paid else 0,
            "amount_refunded": 0,
            "application": None,
            "application_fee": None,
            "application_fee_amount": None,
            "balance_transaction": _new_id("txn") if paid else None,
            "billing_details": {
                "address": dict.fromkeys(["city", "country", "line1", "line2", "postal_code", "state"]),
                "email": None,
                "name": None,
                "phone": None,
                "tax_id": None,
            },
            "calculated_statement_descriptor": "DUKA",
            "captured": paid,
            "created": int(time.time()),
            "currency": intent["currency"],
            "customer": None,
            "description": intent["description"],
            "disputed": False,
            "failure_balance_transaction": None,
            "failure_code": failure_code,
            "failure_message": failure_message,
            "fraud_details": {},
            "livemode": False,
            "metadata": dict(intent["metadata"]),
            "on_behalf_of": None,
            "outcome": {
                "network_status": "approved_by_network" if paid else "declined_by_network",
                "reason": None if paid else "generic_decline",
                "risk_level": "normal",
                "seller_message": "Payment complete." if paid else "The bank did not return any further details.",
                "type": "authorized" if paid else "issuer_declined",
            },
            "paid": paid,
            "payment_intent": intent["id"],
            "payment_method": _new_id("pm"),
            "payment_method_details": {"card": {"brand": "visa", "country": "KE", "last4": "4242"}, "type": "card"},
            "receipt_email": None,
            "receipt_number": None,
            "receipt_url": None,
            "refunded": False,
            "refunds": {"data": [], "has_more": False, "object": "list", "url": f"/v1/charges/{charge_id}/refunds"},
            "review": None,
            "shipping": None,
            "source": None,
            "source_transfer": None,
            "statement_descriptor": None,
            "statement_descriptor_suffix": None,
            "status": status,
            "transfer_data": None,
            "transfer_group": None,
        }
        self.charges[charge["id"]] = charge
        return charge

    def _create_refund(self, params: dict[str, Any]) -> dict[str, Any]:
        if "payment_intent" in params:
            intent = self._intent(params["payment_intent"], param="payment_intent")
            charge = self.charges.get(intent["latest_charge"] or "")
            if charge is None or charge["status"] != "succeeded":
                raise _error(
                    400,
                    f"This PaymentIntent ({intent['id']}) does not have a successful charge to refund.",
                    param="payment_intent",
                )
        elif "charge" in params:
            charge = self.charges.get(params["charge"])
            if charge is None:
                raise _error(404, f"No such charge: '{params['charge']}'", code="resource_missing", param="charge")
        else:
            raise _error(
                400, "One of the following params should be provided for this request: payment_intent or charge."
            )
        left = charge["amount"] - charge["amount_refunded"]
        if left == 0:
            raise _error(400, f"Charge {charge['id']} has already been refunded.", code="charge_already_refunded")
        amount = _positive_integer(params, "amount") if "amount" in params else left
        if amount > left:
            currency = charge["currency"].upper()
            raise _error(
                400,
                f"Refund amount ({currency} {amount}) is greater than unrefunded amount on charge ({currency} {left})",
                code="amount_too_large",
                param="amount",
            )
        refund = {
            "id": _new_id("re"),
            "object": "refund",
            "amount": amount,
            "balance_transaction": _new_id("txn"),
            "charge": charge["id"],
            "created": int(time.time()),
            "currency": charge["currency"],
            "customer": None,
            "customer_account": None,
            "destination_details": {"card": {"type": "refund"}, "type": "card"},
            "metadata": {},
            "payment_intent": charge["payment_intent"],
            "payment_method": charge["payment_method"],
            "reason": params.get("reason"),
            "receipt_number": None,
            "source_transfer_reversal": None,
            "status": self.refund_status,
            "transfer_reversal": None,
        }
        if self.refund_status == "failed":
            refund["failure_reason"] = "unknown"
        self.refunds[refund["id"]] = refund
        if self.refund_status in {"succeeded", "pending", "requires_action"}:
            charge["amount_refunded"] += amount
            charge["refunded"] = charge["amount_refunded"] == charge["amount"]
            charge["refunds"]["data"].insert(0, copy.deepcopy(refund))
        return copy.deepcopy(refund)


def _positive_integer(params: dict[str, Any], name: str) -> int:
    if name not in params:
        raise _error(400, f"Missing required param: {name}.", code="parameter_missing", param=name)
    value = params[name]
    if not (isinstance(value, str) and value.isdigit()):
        raise _error(400, f"Invalid integer: {value}", code="parameter_invalid_integer", param=name)
    if int(value) < 1:
        raise _error(
            400, "This value must be greater than or equal to 1.", code="parameter_invalid_integer", param=name
        )
    return int(value)


def _handler_for(server: FakeStripe) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def do_GET(self) -> None:
            self._serve()

        def do_POST(self) -> None:
            self._serve()

        def do_DELETE(self) -> None:
            self._serve()

        def _serve(self) -> None:
            body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
            headers = {key.lower(): value for key, value in self.headers.items()}
            status, payload, replayed = server.answer(self.command, self.path, headers, body)
            data = json.dumps(payload).encode()
            try:
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.send_header("Request-Id", f"req_{secrets.token_hex(7)}")
                self.send_header("Stripe-Version", headers.get("stripe-version", API_VERSION))
                if replayed:
                    self.send_header("Idempotent-Replayed", "true")
                self.end_headers()
                self.wfile.write(data)
            except (BrokenPipeError, ConnectionResetError):
                pass

        def log_message(self, format: str, *args: Any) -> None:
            pass

    return Handler


def signed_webhook(event: dict[str, Any], secret: str, timestamp: int | None = None) -> tuple[bytes, dict[str, str]]:
    """The body Stripe would POST for `event`, and its headers: `Stripe-Signature: t=<ts>,v1=<hex>` where `<hex>` is
    HMAC-SHA256 keyed with the endpoint's secret over `<ts>.<body>`."""
    body = json.dumps(event, indent=2).encode()
    signed_at = int(time.time()) if timestamp is None else timestamp
    signature = hmac.new(secret.encode(), f"{signed_at}.".encode() + body, hashlib.sha256).hexdigest()
    return body, {
        "Content-Type": "application/json; charset=utf-8",
        "Stripe-Signature": f"t={signed_at},v1={signature}",
        "User-Agent": "Stripe/1.0 (+https://stripe.com/docs/webhooks)",
    }
