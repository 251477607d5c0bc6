from django import forms
from django_filters import rest_framework as filters

from store.models import Order

# --- cart, checkout, orders ---------------------------------------------------------------------------------

MAX_ID = 9_223_372_036_854_775_807


class IntegerFilter(filters.Filter):
    field_class = forms.IntegerField


class OrderFilter(filters.FilterSet):
    status = filters.ChoiceFilter(choices=Order.Status.choices)
    user = IntegerFilter(field_name="user_id", min_value=1, max_value=MAX_ID)

    class Meta:
        model = Order
        fields = ["status", "user"]
