"""A local stand-in for Safaricom's Daraja API (OAuth, STK push, STK push query), speaking Daraja's real shapes.

A real HTTP server on 127.0.0.1 (a free port) in a daemon thread:

    with FakeDaraja() as daraja:                  # daraja.url is the API base (MPESA_API_BASE)
        provider = MpesaProvider(api_base=daraja.url, consumer_key=daraja.consumer_key,
                                 consumer_secret=daraja.consumer_secret, shortcode=daraja.shortcode,
                                 passkey=daraja.passkey, ...)
        checkout_id = provider.start(request).reference
        daraja.complete(checkout_id)              # the customer paid: the STK push query now answers ResultCode 0
        body = daraja.callback_body(checkout_id)  # the callback Daraja would post, as bytes

What it checks, as Daraja does:
- OAuth (`GET /oauth/v1/generate?grant_type=client_credentials`): HTTP Basic with the consumer key and secret,
  else 400 (`400.008.01`); tokens live `token_lifetime_seconds` (`expires_in`, a string like "3599").
- Every API call: `Authorization: Bearer <token>` of a live token, else 401 (`404.001.03`, "Invalid Access Token").
- STK push: every field present, Password == base64(shortcode + passkey + Timestamp), the Timestamp in Nairobi time
  (within ten minutes of now), Amount an integer >= 1, PartyA/PhoneNumber 2547XXXXXXXX or 2541XXXXXXXX,
  AccountReference at most 12 characters; else 400 (`400.002.02`, "Bad Request - Invalid <field>"), or 500
  (`500.001.1001`, "Wrong credentials") for a wrong shortcode or password.
- STK push query: the same password check; an unknown CheckoutRequestID is a 400; a request the test has not
  completed is "still being processed" (500, `500.001.1001`), as Daraja answers until the customer responds.

What a test controls:
- `complete(checkout_id, result_code=0, ...)`: how the request ended (0 paid; 1032 cancelled, 1037 timed out,
  1 insufficient funds, 2001 wrong PIN, ...).
- `callback_body(checkout_id, ...)`: Daraja's callback JSON; by default it reports what `complete` recorded.
- `expire_tokens()`: every token issued so far stops working (Daraja answers 401).
- `fail_api(status=500, raw_body=None)`: every API call (not OAuth) answers `status` with Daraja's error body, or
  `raw_body`; `hang_api()`: every API call waits, past any client timeout, until `heal()` or the server stops.
- `requests`: every request received (`RecordedRequest`); `requests_to(path)` those to one path.
"""

import base64
import json
import random
import re
import string
import threading
import time
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from decimal import Decimal
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit
from zoneinfo import ZoneInfo

NAIROBI = ZoneInfo("Africa/Nairobi")
OAUTH_PATH = "/oauth/v1/generate"
STK_PUSH_PATH = "/mpesa/stkpush/v1/processrequest"
STK_QUERY_PATH = "/mpesa/stkpushquery/v1/query"
STK_PUSH_FIELDS = (
    "BusinessShortCode",
    "Password",
    "Timestamp",
    "TransactionType",
    "Amount",
    "PartyA",
    "PartyB",
    "PhoneNumber",
    "CallBackURL",
    "AccountReference",
    "TransactionDesc",
)
STK_QUERY_FIELDS = ("BusinessShortCode", "Password", "Timestamp", "CheckoutRequestID")
PHONE = re.compile(r"254[17][0-9]{8}")
TIMESTAMP_TOLERANCE = timedelta(minutes=10)
RESULT_DESCRIPTIONS = {
    0: "The service request is processed successfully.",
    1: "The balance is insufficient for the transaction.",
    1032: "Request cancelled by user",
    1037: "DS timeout user cannot be reached",
    2001: "The initiator information is invalid.",
}
# How long a hung request waits for `heal()` at most, so a forgotten hang cannot hold a thread forever.
HANG_LIMIT_SECONDS = 30


@dataclass(frozen=True)
class RecordedRequest:
    method: str
    path: str
    query: dict[str, list[str]]
    headers: dict[str, str]
    json: Any


@dataclass
class StkRequest:
    merchant_request_id: str
    amount: int
    phone: str
    result_code: int | None = None
    result_desc: str = ""
    receipt: str = ""
    paid_amount: Decimal | None = None
    transaction_date: int = 0


@dataclass
class _State:
    tokens: dict[str, float] = field(default_factory=dict)
    stk_requests: dict[str, StkRequest] = field(default_factory=dict)
    requests: list[RecordedRequest] = field(default_factory=list)
    failure: tuple[int, bytes] | None = None
    sequence: int = 0


def nairobi_now() -> datetime:
    return datetime.now(NAIROBI)


def error_body(error_code: str, message: str) -> dict[str, str]:
    return {"requestId": new_merchant_request_id(), "errorCode": error_code, "errorMessage": message}


def bad_request(field_name: str) -> tuple[int, dict[str, str]]:
    return 400, error_body("400.002.02", f"Bad Request - Invalid {field_name}")


def new_merchant_request_id() -> str:
    return f"{random.randint(1000, 99999)}-{random.randint(10**6, 10**8)}-1"


def new_receipt() -> str:
    return "".join(random.choices(string.ascii_uppercase + string.digits, k=10))


class FakeDaraja:
    def __init__(
        self,
        *,
        consumer_key: str = "duka-consumer-key",
        consumer_secret: str = "duka-consumer-secret-7f3a",
        shortcode: str = "174379",
        passkey: str = "bfb279f9aa9bdbcf158e97dd71a467cd2e0c893059b10f78e6b72ada1ed2c919",
        token_lifetime_seconds: int = 3599,
    ) -> None:
        self.consumer_key = consumer_key
        self.consumer_secret = consumer_secret
        self.shortcode = shortcode
        self.passkey = passkey
        self.token_lifetime_seconds = token_lifetime_seconds
        self._state = _State()
        self._lock = threading.Lock()
        self._healed = threading.Event()
        self._healed.set()
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler_class())
        self._server.daemon_threads = True
        # A short poll interval: `shutdown` waits for the serving loop to look, once per interval.
        self._thread = threading.Thread(target=self._server.serve_forever, args=(0.01,), daemon=True)
        self.url = f"http://127.0.0.1:{self._server.server_address[1]}"

    def __enter__(self) -> "FakeDaraja":
        self._thread.start()
        return self

    def __exit__(self, *exc_info: object) -> None:
        self._healed.set()
        self._server.shutdown()
        self._server.server_close()

    # What the test controls.

    def complete(
        self,
        checkout_id: str,
        result_code: int = 0,
        *,
        result_desc: str | None = None,
        receipt: str | None = None,
        amount: Decimal | int | None = None,
    ) -> None:
        """End the request `checkout_id` (as the customer's answer would): the STK push query reports it from now on.
        A success gets a receipt and the amount asked for unless given."""
        with self._lock:
            stk = self._state.stk_requests[checkout_id]
            stk.result_code = result_code
            stk.result_desc = result_desc or RESULT_DESCRIPTIONS.get(result_code, "The transaction failed.")
            if result_code == 0:
                stk.receipt = receipt or new_receipt()
                stk.paid_amount = Decimal(stk.amount if amount is None else amount)
                stk.transaction_date = int(nairobi_now().strftime("%Y%m%d%H%M%S"))

    def callback_body(
        self,
        checkout_id: str,
        result_code: int | None = None,
        *,
        amount: Decimal | int | None = None,
        receipt: str | None = None,
        phone: str | None = None,
        result_desc: str | None = None,
    ) -> bytes:
        """The JSON Daraja posts to the CallBackURL for `checkout_id`. Unset fields come from what `complete`
        recorded (else: success, the amount and phone of the push); a forged callback sets them to anything."""
        with self._lock:
            stk = self._state.stk_requests.get(checkout_id) or StkRequest(
                merchant_request_id=new_merchant_request_id(), amount=1, phone="254708374149"
            )
            code = result_code if result_code is not None else (stk.result_code or 0)
            callback: dict[str, Any] = {
                "MerchantRequestID": stk.merchant_request_id,
                "CheckoutRequestID": checkout_id,
                "ResultCode": code,
                "ResultDesc": result_desc or RESULT_DESCRIPTIONS.get(code, "The transaction failed."),
            }
            if code == 0:
                paid = amount if amount is not None else (stk.paid_amount or stk.amount)
                callback["CallbackMetadata"] = {
                    "Item": [
                        {"Name": "Amount", "Value": float(paid)},
                        {"Name": "MpesaReceiptNumber", "Value": receipt or stk.receipt or new_receipt()},
                        {"Name": "Balance"},
                        {
                            "Name": "TransactionDate",
                            "Value": stk.transaction_date or int(nairobi_now().strftime("%Y%m%d%H%M%S")),
                        },
                        {"Name": "PhoneNumber", "Value": int(phone or stk.phone)},
                    ]
                }
        return json.dumps({"Body": {"stkCallback": callback}}).encode()

    def expire_tokens(self) -> None:
        with self._lock:
            self._state.tokens.clear()

    def fail_api(self, status: int = 500, raw_body: bytes | None = None) -> None:
        body = raw_body if raw_body is not None else json.dumps(error_body("500.003.1001", "Internal Server Error"))
        with self._lock:
            self._state.failure = (status, body.encode() if isinstance(body, str) else body)

    def hang_api(self) -> None:
        self._healed.clear()

    def heal(self) -> None:
        with self._lock:
            self._state.failure = None
        self._healed.set()

    @property
    def requests(self) -> list[RecordedRequest]:
        with self._lock:
            return list(self._state.requests)

    def requests_to(self, path: str) -> list[RecordedRequest]:
        return [request for request in self.requests if request.path == path]

    # Daraja.

    def _answer(self, method: str, path: str, query: dict[str, list[str]], headers: dict[str, str], body: Any):
        if method == "GET" and path == OAUTH_PATH:
            return self._oauth(query, headers)
        if method != "POST" or path not in (STK_PUSH_PATH, STK_QUERY_PATH):
            return 404, error_body("404.001.01", "Resource not found")
        if not self._is_live_token(headers.get("authorization", "")):
            return 401, error_body("404.001.03", "Invalid Access Token")
        if self._state.failure is not None:
            return self._state.failure
        if not isinstance(body, dict):
            return 400, error_body("400.002.02", "Bad Request - Invalid JSON")
        if path == STK_PUSH_PATH:
            return self._stk_push(body)
        return self._stk_query(body)

    def _oauth(self, query: dict[str, list[str]], headers: dict[str, str]):
        if query.get("grant_type") != ["client_credentials"]:
            return 400, error_body("400.008.02", "Invalid grant type passed")
        expected = base64.b64encode(f"{self.consumer_key}:{self.consumer_secret}".encode()).decode()
        if headers.get("authorization", "") != f"Basic {expected}":
            return 400, error_body("400.008.01", "Invalid Authentication passed")
        token = "".join(random.choices(string.ascii_letters + string.digits, k=28))
        self._state.tokens[token] = time.monotonic() + self.token_lifetime_seconds
        return 200, {"access_token": token, "expires_in": str(self.token_lifetime_seconds)}

    def _is_live_token(self, authorization: str) -> bool:
        scheme, _, token = authorization.partition(" ")
        return scheme == "Bearer" and self._state.tokens.get(token, 0.0) > time.monotonic()

    def _password_refusal(self, body: dict[str, Any]):
        """Daraja's answer to a wrong shortcode, password or timestamp, or None when they are right."""
        timestamp = body["Timestamp"]
        try:
            sent_at = datetime.strptime(str(timestamp), "%Y%m%d%H%M%S").replace(tzinfo=NAIROBI)
        except ValueError:
            return bad_request("Timestamp")
        if abs(nairobi_now() - sent_at) > TIMESTAMP_TOLERANCE:
            return bad_request("Timestamp")
        password = base64.b64encode(f"{self.shortcode}{self.passkey}{timestamp}".encode()).decode()
        if str(body["BusinessShortCode"]) != self.shortcode or body["Password"] != password:
            return 500, error_body("500.001.1001", "Wrong credentials")
        return None

    def _stk_push(self, body: dict[str, Any]):
        for name in STK_PUSH_FIELDS:
            if body.get(name) in (None, ""):
                return bad_request(name)
        refusal = self._password_refusal(body)
        if refusal:
            return refusal
        amount = body["Amount"]
        if isinstance(amount, bool) or not isinstance(amount, int) or amount < 1:
            return bad_request("Amount")
        for name in ("PartyA", "PhoneNumber"):
            if not PHONE.fullmatch(str(body[name])):
                return bad_request(name)
        if str(body["PartyB"]) != self.shortcode:
            return bad_request("PartyB")
        if body["TransactionType"] not in ("CustomerPayBillOnline", "CustomerBuyGoodsOnline"):
            return bad_request("TransactionType")
        if not re.fullmatch(r"https?://[^\s/]+/\S*", str(body["CallBackURL"])):
            return bad_request("CallBackURL")
        if len(str(body["AccountReference"])) > 12:
            return bad_request("AccountReference")
        self._state.sequence += 1
        checkout_id = f"ws_CO_{nairobi_now():%d%m%Y%H%M%S}{self._state.sequence % 1000:03d}{body['PhoneNumber']}"
        merchant_request_id = new_merchant_request_id()
        self._state.stk_requests[checkout_id] = StkRequest(
            merchant_request_id=merchant_request_id, amount=amount, phone=str(body["PhoneNumber"])
        )
        message = "Success. Request accepted for processing"
        return 200, {
            "MerchantRequestID": merchant_request_id,
            "CheckoutRequestID": checkout_id,
            "ResponseCode": "0",
            "ResponseDescription": message,
            "CustomerMessage": message,
        }

    def _stk_query(self, body: dict[str, Any]):
        for name in STK_QUERY_FIELDS:
            if body.get(name) in (None, ""):
                return bad_request(name)
        refusal = self._password_refusal(body)
        if refusal:
            return refusal
        stk = self._state.stk_requests.get(body["CheckoutRequestID"])
        if stk is None:
            return bad_request("CheckoutRequestID")
        if stk.result_code is None:
            return 500, error_body("500.001.1001", "The transaction is being processed")
        return 200, {
            "ResponseCode": "0",
            "ResponseDescription": "The service request has been accepted successsfully",
            "MerchantRequestID": stk.merchant_request_id,
            "CheckoutRequestID": body["CheckoutRequestID"],
            "ResultCode": str(stk.result_code),
            "ResultDesc": stk.result_desc,
        }

    def _handler_class(self) -> type[BaseHTTPRequestHandler]:
        fake = self

        class DarajaHandler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                self._serve()

            def do_POST(self) -> None:
                self._serve()

            def _serve(self) -> None:
                url = urlsplit(self.path)
                length = int(self.headers.get("Content-Length") or 0)
                raw = self.rfile.read(length) if length else b""
                try:
                    body = json.loads(raw) if raw else None
                except ValueError:
                    body = raw
                headers = {name.lower(): value for name, value in self.headers.items()}
                query = parse_qs(url.query)
                with fake._lock:
                    fake._state.requests.append(RecordedRequest(self.command, url.path, query, headers, body))
                if url.path != OAUTH_PATH:
                    fake._healed.wait(HANG_LIMIT_SECONDS)
                with fake._lock:
                    status, answer = fake._answer(self.command, url.path, query, headers, body)
                payload = answer if isinstance(answer, bytes) else json.dumps(answer).encode()
                try:
                    self.send_response(status)
                    self.send_header("Content-Type", "application/json")
                    self.send_header("Content-Length", str(len(payload)))
                    self.end_headers()
                    self.wfile.write(payload)
                except (BrokenPipeError, ConnectionResetError):
                    pass  # The client gave up waiting (a hung call past its timeout).

            def log_message(self, format: str, *args: Any) -> None:
                """Quiet: the recorded requests say what happened."""

        return DarajaHandler
