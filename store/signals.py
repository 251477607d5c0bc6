"""Signals the store sends for other apps to act on (the payments app refunds a paid order that is cancelled)."""

from django.dispatch import Signal

# Sent by `order_cancel` inside its transaction, once the order is cancelled and its stock restored, with
# `order` (the cancelled Order), `by` (the user who cancelled it) and `previous_status` (pending or paid).
# A receiver that raises rolls the cancellation back; one that calls an outside service should do it on commit.
order_cancelled = Signal()
