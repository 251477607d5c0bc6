"""Request headers the API reads, validated as request bodies are."""

from rest_framework import serializers


class IdempotencyKeySerializer(serializers.Serializer):
    """The optional `Idempotency-Key` request header: 1 to 255 printable ASCII characters."""

    idempotency_key = serializers.RegexField(r"^[\x20-\x7e]+\Z", max_length=255, required=False)


def idempotency_key_of(request) -> str:
    """The request's `Idempotency-Key`, or "" without one; a malformed key is a validation error (400)."""
    value = request.headers.get("Idempotency-Key")
    header = IdempotencyKeySerializer(data={} if value is None else {"idempotency_key": value})
    header.is_valid(raise_exception=True)
    return header.validated_data.get("idempotency_key", "")
