from rest_framework import serializers


def money_field(**kwargs) -> serializers.DecimalField:
    """Money as the API writes it: a read-only string with two decimals."""
    return serializers.DecimalField(max_digits=None, decimal_places=2, read_only=True, **kwargs)
