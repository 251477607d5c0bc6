"""The back office's order page (fulfilment buttons and the order's timeline), and the libraries' admins in the
back office's style.

Each button posts a small form (CSRF-protected, POST only) to a view that calls the service the API calls for the
same action, so the rules, locks, events and emails are the API's; a refused action comes back as a message on
the order page."""

from collections.abc import Callable

from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponseNotAllowed, HttpResponseRedirect
from django.urls import path, reverse
from unfold.admin import ModelAdmin

from backoffice.forms import CancelForm, MarkPaidForm, OrderActionForm, RefundForm, ShipForm
from duka_app.errors import DomainError
from fulfilment import services as fulfilment_services
from fulfilment.admin import OrderAdmin as FulfilmentOrderAdmin
from payments import services as payment_services
from store.admin import OrderEventInline
from store.constants import MAX_ID
from store.models import Order
from store.services.orders import order_cancel


def _mark_paid(*, order: Order, data: dict, by) -> str:
    payment_services.payment_record_manual(order_id=order.pk, by=by, **data)
    return f"Order #{order.pk} is paid: the payment is recorded."


def _ship(*, order: Order, data: dict, by) -> str:
    shipment = fulfilment_services.shipment_create(order_id=order.pk, by=by, **data)
    return f"Order #{order.pk} is handed to {shipment.carrier}, tracking number {shipment.tracking_number}."


def _refund(*, order: Order, data: dict, by) -> str:
    payment_id = data.pop("payment")
    refund = payment_services.payment_refund(payment_id=payment_id, by=by, **data)
    return f"Refund of {refund.amount} on payment #{payment_id}: {refund.get_status_display().lower()}."


def _cancel(*, order: Order, data: dict, by) -> str:
    order_cancel(order_id=order.pk, by=by)
    return f"Order #{order.pk} is cancelled: its items are back in stock."


# The order page's actions: the form each posts and the service call that carries it out.
ORDER_ACTIONS: dict[str, tuple[type[OrderActionForm], Callable[..., str]]] = {
    "mark-paid": (MarkPaidForm, _mark_paid),
    "ship": (ShipForm, _ship),
    "refund": (RefundForm, _refund),
    "cancel": (CancelForm, _cancel),
}


# The home page: the dashboard (backoffice/dashboard.py fills it) above the list of models.
admin.site.index_template = "admin/backoffice/index.html"


class OrderTimelineInline(OrderEventInline):
    """The order's history, drawn as a timeline."""

    template = "admin/backoffice/order_timeline.html"


admin.site.unregister(Order)


@admin.register(Order)
class OrderAdmin(FulfilmentOrderAdmin):
    """The order with its shipments and returns, the fulfilment buttons and the timeline of its events."""

    inlines = [OrderTimelineInline if inline is OrderEventInline else inline for inline in FulfilmentOrderAdmin.inlines]
    change_form_outer_before_template = "admin/backoffice/order_actions.html"

    def get_urls(self):
        action_urls = [
            path(
                f"<path:object_id>/{name}/",
                self.admin_site.admin_view(self.order_action_view),
                {"action": name},
                name=f"store_order_{name.replace('-', '_')}",
            )
            for name in ORDER_ACTIONS
        ]
        return [*action_urls, *super().get_urls()]

    def order_action_view(self, request: HttpRequest, object_id: str, action: str):
        if request.method != "POST":
            return HttpResponseNotAllowed(["POST"])
        order = self._order_for_action(request, object_id)
        form_class, carry_out = ORDER_ACTIONS[action]
        form = form_class(request.POST, order=order)
        if not form.is_valid():
            for field, errors in form.errors.items():
                label = form[field].label if field in form.fields else "Input"
                self.message_user(request, f"{label}: {' '.join(errors)}", messages.ERROR)
        else:
            try:
                self.message_user(request, carry_out(order=order, data=form.cleaned_data, by=request.user))
            except (DomainError, PermissionDenied) as error:
                detail = error.detail if isinstance(error, DomainError) else str(error)
                self.message_user(request, f"Order #{order.pk}: {detail}", messages.ERROR)
        return HttpResponseRedirect(reverse("admin:store_order_change", args=[order.pk]))

    def _order_for_action(self, request: HttpRequest, object_id: str) -> Order:
        if not object_id.isdigit() or not 0 < int(object_id) <= MAX_ID:
            raise Http404("No such order.")
        order = self.get_queryset(request).filter(pk=int(object_id)).first()
        if order is None:
            raise Http404("No such order.")
        if not self.has_change_permission(request, order):
            raise PermissionDenied
        return order

    def render_change_form(self, request, context, add=False, change=False, form_url="", obj=None):
        if obj is not None:
            context["order_page"] = {
                "can_act": self.has_change_permission(request, obj),
                "can_mark_paid": obj.status == Order.Status.PENDING,
                "can_ship": obj.status in fulfilment_services.SHIPPABLE,
                "can_cancel": obj.status in (Order.Status.PENDING, Order.Status.PAID),
                "mark_paid_form": MarkPaidForm(order=obj),
                "ship_form": ShipForm(order=obj),
                "refund_form": RefundForm(order=obj),
            }
        return super().render_change_form(request, context, add, change, form_url, obj)


def _restyle_library_admins() -> None:
    """The admins that libraries register (groups, login attempts, tokens) as unfold admins, with their own rules
    and columns unchanged, so every page of the back office looks alike."""
    for model, model_admin in list(admin.site._registry.items()):
        if isinstance(model_admin, ModelAdmin):
            continue
        restyled = type(type(model_admin).__name__, (type(model_admin), ModelAdmin), {})
        admin.site.unregister(model)
        admin.site.register(model, restyled)


_restyle_library_admins()
