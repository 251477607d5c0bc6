"""M-Pesa through Safaricom's Daraja API: Lipa na M-Pesa Online (STK push).

The store asks Daraja to push a payment prompt to the customer's phone; the customer enters the M-Pesa PIN and
Daraja posts one callback to our secret callback URL. Daraja does not sign its callbacks, so a callback is only a
hint: `parse_notification` asks Daraja itself (the STK push query) how the request ended, and that answer decides.

Daraja has no idempotency keys and no refund call an application can make on its own (a reversal needs an approved
initiator), so `refund` refuses and the service records refunds made on the M-Pesa portal.
"""

import base64
import hashlib
import ipaddress
import json
import logging
import re
from collections.abc import Iterable, Mapping
from datetime import datetime
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

import requests
from django.conf import settings
from django.core.cache import cache

from payments.providers.base import (
    Notification,
    NotificationRejected,
    PaymentOutcome,
    PaymentRequest,
    PaymentRequestInvalid,
    ProviderError,
    QueryResult,
    RefundResult,
    StartResult,
)

logger = logging.getLogger(__name__)

NAIROBI = ZoneInfo("Africa/Nairobi")
CURRENCY = "KES"
# Safaricom's limits for one M-Pesa payment, in shillings.
AMOUNT_MIN = 1
AMOUNT_MAX = 250_000
# Daraja takes at most 12 characters of account reference and 13 of description.
ACCOUNT_REFERENCE_MAX = 12
TRANSACTION_DESC_MAX = 13
# A cached access token is dropped this long before Daraja says it expires, so it never expires in flight.
TOKEN_EXPIRY_MARGIN_SECONDS = 60
# The STK push query answers this error code both while the customer has not yet answered the prompt ("The
# transaction is being processed") and for wrong credentials; only the first means "pending".
QUERY_PENDING_ERROR_CODE = "500.001.1001"
QUERY_PENDING_ERROR_MESSAGE = "being processed"
# Newer Daraja versions answer a query on an unfinished request with this ResultCode instead.
QUERY_PENDING_RESULT_CODE = "4999"
RECEIPT_PATTERN = re.compile(r"[A-Z0-9]{10}")
# Safaricom numbers: 07XXXXXXXX and 01XXXXXXXX at home, 2547XXXXXXXX and 2541XXXXXXXX internationally.
PHONE_PATTERN = re.compile(r"(?:\+?254|0)([17][0-9]{8})")


def mpesa_phone_normalise(raw: str) -> str:
    """A Kenyan mobile number as Daraja takes it ("2547XXXXXXXX" or "2541XXXXXXXX"); spaces and dashes are ignored.
    Anything else (another country, a landline, a wrong length, letters) is a ValueError."""
    if not isinstance(raw, str):
        raise ValueError("A phone number is text.")
    match = PHONE_PATTERN.fullmatch(re.sub(r"[\s-]", "", raw))
    if match is None:
        raise ValueError("Not a Kenyan mobile number (07XXXXXXXX, 01XXXXXXXX or +254...).")
    return "254" + match.group(1)


def nairobi_timestamp() -> str:
    """Daraja's timestamp: YYYYMMDDHHMMSS in Kenyan time."""
    return datetime.now(NAIROBI).strftime("%Y%m%d%H%M%S")


class MpesaProvider:
    name = "mpesa"

    def __init__(
        self,
        *,
        api_base: str,
        consumer_key: str,
        consumer_secret: str,
        shortcode: str,
        passkey: str,
        callback_base_url: str,
        callback_token: str,
        transaction_type: str = "CustomerPayBillOnline",
        callback_allowed_ips: Iterable[str] = (),
        timeout_seconds: float = 10.0,
    ) -> None:
        self.api_base = api_base.rstrip("/")
        self.consumer_key = consumer_key
        self.consumer_secret = consumer_secret
        self.shortcode = shortcode
        self.passkey = passkey
        self.transaction_type = transaction_type
        self.callback_url = f"{callback_base_url.rstrip('/')}/api/payments/webhooks/mpesa/{callback_token}/"
        # A misconfigured entry fails here, at start-up, rather than on the first callback.
        self.callback_allowed_networks = [ipaddress.ip_network(entry, strict=False) for entry in callback_allowed_ips]
        self.timeout_seconds = timeout_seconds
        self.session = requests.Session()
        # One token per Daraja app; the key names the app without naming its credentials.
        app_id = hashlib.sha256(f"{self.api_base} {consumer_key}".encode()).hexdigest()[:16]
        self.token_cache_key = f"payments:mpesa:access_token:{app_id}"

    @classmethod
    def from_settings(cls) -> "MpesaProvider":
        return cls(
            api_base=settings.MPESA_API_BASE,
            consumer_key=settings.MPESA_CONSUMER_KEY,
            consumer_secret=settings.MPESA_CONSUMER_SECRET,
            shortcode=settings.MPESA_SHORTCODE,
            passkey=settings.MPESA_PASSKEY,
            transaction_type=settings.MPESA_TRANSACTION_TYPE,
            callback_base_url=settings.MPESA_CALLBACK_BASE_URL,
            callback_token=settings.MPESA_CALLBACK_TOKEN,
            callback_allowed_ips=settings.MPESA_CALLBACK_ALLOWED_IPS,
            timeout_seconds=settings.PAYMENT_PROVIDER_TIMEOUT_SECONDS,
        )

    def validate(self, *, amount: Decimal, currency: str, phone: str) -> str:
        if currency.upper() != CURRENCY:
            raise PaymentRequestInvalid("M-Pesa takes Kenya shillings (KES) only.", code="currency_not_supported")
        if not amount.is_finite() or amount != amount.to_integral_value() or not AMOUNT_MIN <= amount <= AMOUNT_MAX:
            raise PaymentRequestInvalid(
                f"M-Pesa takes whole shillings from {AMOUNT_MIN} to {AMOUNT_MAX:,}; this total is {amount} KES.",
                code="amount_not_payable",
            )
        try:
            return mpesa_phone_normalise(phone)
        except ValueError:
            raise PaymentRequestInvalid(
                "Enter a Safaricom number such as 0712345678 or +254712345678.", code="invalid_phone", field="phone"
            ) from None

    def start(self, request: PaymentRequest) -> StartResult:
        phone = self.validate(amount=request.amount, currency=request.currency, phone=request.phone)
        account_reference = f"Order {request.order_id}"
        if len(account_reference) > ACCOUNT_REFERENCE_MAX:
            account_reference = str(request.order_id)
        status, answer = self._api_post(
            "/mpesa/stkpush/v1/processrequest",
            {
                **self._password_fields(),
                "TransactionType": self.transaction_type,
                "Amount": int(request.amount),
                "PartyA": phone,
                "PartyB": self.shortcode,
                "PhoneNumber": phone,
                "CallBackURL": self.callback_url,
                "AccountReference": account_reference,
                "TransactionDesc": (request.description or account_reference)[:TRANSACTION_DESC_MAX],
            },
        )
        if status != 200 or str(answer.get("ResponseCode")) != "0" or not answer.get("CheckoutRequestID"):
            raise self._refusal("The STK push", status, answer)
        return StartResult(
            reference=answer["CheckoutRequestID"],
            next_action={
                "type": "mpesa_stk_push",
                "message": answer.get("CustomerMessage") or "Check your phone and enter your M-Pesa PIN.",
            },
        )

    def query(self, *, reference: str) -> QueryResult:
        status, answer = self._api_post(
            "/mpesa/stkpushquery/v1/query", {**self._password_fields(), "CheckoutRequestID": reference}
        )
        if answer.get("errorCode") == QUERY_PENDING_ERROR_CODE and QUERY_PENDING_ERROR_MESSAGE in str(
            answer.get("errorMessage", "")
        ):
            return QueryResult(outcome=PaymentOutcome.PENDING, details=answer)
        if status != 200 or str(answer.get("ResponseCode")) != "0" or "ResultCode" not in answer:
            raise self._refusal("The STK push query", status, answer)
        result_code = str(answer["ResultCode"])
        if result_code == "0":
            return QueryResult(outcome=PaymentOutcome.SUCCEEDED, details=answer)
        if result_code == QUERY_PENDING_RESULT_CODE:
            return QueryResult(outcome=PaymentOutcome.PENDING, details=answer)
        return QueryResult(
            outcome=PaymentOutcome.FAILED,
            failure_code=result_code,
            failure_message=str(answer.get("ResultDesc", "")),
            details=answer,
        )

    def refund(self, *, reference: str, amount: Decimal, currency: str, refund_id: int) -> RefundResult:
        raise ProviderError(
            "M-Pesa payments cannot be refunded through the API: a reversal needs Safaricom's approval. Reverse the "
            "transaction on the M-Pesa portal and record the refund with its reversal reference.",
            code="refund_not_supported",
        )

    def parse_notification(self, *, body: bytes, headers: Mapping[str, str], remote_addr: str) -> Notification:
        if self.callback_allowed_networks and not self._is_allowed_sender(remote_addr):
            raise NotificationRejected("The M-Pesa callback came from an address that is not allowed.")
        payload, callback = self._stk_callback(body)
        checkout_id = callback["CheckoutRequestID"]
        claims_success = str(callback["ResultCode"]) == "0"
        # A success must say what was paid; checked before asking Daraja, so a malformed one costs no call.
        amount, receipt = self._paid_amount_and_receipt(callback) if claims_success else (None, "")
        try:
            confirmed = self.query(reference=checkout_id)
        except ProviderError as error:
            raise NotificationRejected(f"Daraja could not confirm the callback ({error.code}).") from None
        if confirmed.outcome == PaymentOutcome.PENDING:
            raise NotificationRejected("Daraja says the payment request is still being processed.")
        if claims_success != (confirmed.outcome == PaymentOutcome.SUCCEEDED):
            raise NotificationRejected("Daraja's own answer contradicts the callback.")
        if confirmed.outcome == PaymentOutcome.FAILED:
            return Notification(
                event_id=checkout_id,
                kind="stk_callback",
                outcome=PaymentOutcome.FAILED,
                reference=checkout_id,
                payload=payload,
                failure_code=confirmed.failure_code,
                failure_message=confirmed.failure_message,
            )
        return Notification(
            event_id=checkout_id,
            kind="stk_callback",
            outcome=PaymentOutcome.SUCCEEDED,
            reference=checkout_id,
            payload=payload,
            amount=amount,
            currency=CURRENCY,
            receipt=receipt,
        )

    def _is_allowed_sender(self, remote_addr: str) -> bool:
        try:
            address = ipaddress.ip_address(remote_addr)
        except ValueError:
            return False
        return any(address in network for network in self.callback_allowed_networks)

    @staticmethod
    def _stk_callback(body: bytes) -> tuple[dict[str, Any], dict[str, Any]]:
        """The parsed body and its Body.stkCallback, which names the request it reports on."""
        try:
            payload = json.loads(body)
        except (UnicodeDecodeError, ValueError):
            raise NotificationRejected("The M-Pesa callback is not JSON.") from None
        envelope = payload.get("Body") if isinstance(payload, dict) else None
        callback = envelope.get("stkCallback") if isinstance(envelope, dict) else None
        if not isinstance(callback, dict):
            raise NotificationRejected("The M-Pesa callback has no Body.stkCallback.")
        checkout_id = callback.get("CheckoutRequestID")
        if not isinstance(checkout_id, str) or not checkout_id:
            raise NotificationRejected("The M-Pesa callback names no CheckoutRequestID.")
        if not re.fullmatch(r"[0-9]+", str(callback.get("ResultCode"))):
            raise NotificationRejected("The M-Pesa callback carries no ResultCode.")
        return payload, callback

    @staticmethod
    def _paid_amount_and_receipt(callback: dict[str, Any]) -> tuple[Decimal, str]:
        metadata = callback.get("CallbackMetadata")
        items = metadata.get("Item") if isinstance(metadata, dict) else None
        if not isinstance(items, list):
            raise NotificationRejected("The successful M-Pesa callback carries no CallbackMetadata.")
        values = {item.get("Name"): item.get("Value") for item in items if isinstance(item, dict)}
        amount = values.get("Amount")
        receipt = values.get("MpesaReceiptNumber")
        if isinstance(amount, bool) or not isinstance(amount, int | float) or amount <= 0:
            raise NotificationRejected("The successful M-Pesa callback carries no valid Amount.")
        if not isinstance(receipt, str) or not RECEIPT_PATTERN.fullmatch(receipt):
            raise NotificationRejected("The successful M-Pesa callback carries no valid MpesaReceiptNumber.")
        if not values.get("PhoneNumber"):
            raise NotificationRejected("The successful M-Pesa callback carries no PhoneNumber.")
        return Decimal(str(amount)).quantize(Decimal("0.01")), receipt

    def _password_fields(self) -> dict[str, str]:
        timestamp = nairobi_timestamp()
        password = base64.b64encode(f"{self.shortcode}{self.passkey}{timestamp}".encode()).decode()
        return {"BusinessShortCode": self.shortcode, "Password": password, "Timestamp": timestamp}

    def _api_post(self, path: str, body: dict[str, Any]) -> tuple[int, dict[str, Any]]:
        """POST to Daraja with a Bearer token; a 401 (a token Daraja no longer takes) fetches a new one and retries
        once. Returns the status and the JSON answer ({} when the answer is not a JSON object)."""
        for attempt in (1, 2):
            response = self._send("POST", path, json=body, headers={"Authorization": f"Bearer {self._access_token()}"})
            if response.status_code == 401 and attempt == 1:
                cache.delete(self.token_cache_key)
                continue
            break
        return response.status_code, self._json_object(response)

    @staticmethod
    def _json_object(response: requests.Response) -> dict[str, Any]:
        """The answer's JSON object; {} for anything else (a gateway's HTML page, an empty body)."""
        try:
            answer = response.json()
        except ValueError:
            return {}
        return answer if isinstance(answer, dict) else {}

    def _access_token(self) -> str:
        token = cache.get(self.token_cache_key)
        if token:
            return token
        response = self._send(
            "GET",
            "/oauth/v1/generate",
            params={"grant_type": "client_credentials"},
            auth=(self.consumer_key, self.consumer_secret),
        )
        answer = self._json_object(response)
        token = answer.get("access_token")
        lifetime = answer.get("expires_in")
        if response.status_code != 200 or not isinstance(token, str) or not str(lifetime).isdigit():
            raise self._refusal("Daraja's OAuth", response.status_code, answer)
        lifetime = int(lifetime)
        if lifetime > TOKEN_EXPIRY_MARGIN_SECONDS:
            cache.set(self.token_cache_key, token, timeout=lifetime - TOKEN_EXPIRY_MARGIN_SECONDS)
        return token

    def _send(self, method: str, path: str, **kwargs: Any) -> requests.Response:
        try:
            return self.session.request(method, self.api_base + path, timeout=self.timeout_seconds, **kwargs)
        except requests.Timeout:
            logger.warning("M-Pesa %s %s timed out", method, path)
            raise ProviderError("M-Pesa did not answer in time.", code="timeout") from None
        except requests.RequestException as error:
            logger.warning("M-Pesa %s %s failed: %s", method, path, type(error).__name__)
            raise ProviderError("M-Pesa could not be reached.", code="unreachable") from None

    @staticmethod
    def _refusal(what: str, status: int, answer: dict[str, Any]) -> ProviderError:
        """Daraja's refusal as a ProviderError. Its errorMessage and ResponseDescription never echo credentials."""
        code = answer.get("errorCode") or answer.get("ResponseCode") or f"http_{status}"
        description = answer.get("errorMessage") or answer.get("ResponseDescription") or "no explanation"
        logger.warning("%s was refused: HTTP %s, %s: %s", what, status, code, description)
        return ProviderError(f"{what} was refused by M-Pesa: {description} ({code}).", code=str(code))
