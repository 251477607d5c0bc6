from django.contrib import admin
from django.db.models import Count
from unfold.admin import ModelAdmin, TabularInline

from pricing.models import ShippingMethod, ShippingZone, TaxRate, Voucher


class ShippingMethodInline(TabularInline):
    model = ShippingMethod
    extra = 0
    fields = ["name", "price", "free_over", "days_min", "days_max", "is_active"]


@admin.register(ShippingZone)
class ShippingZoneAdmin(ModelAdmin):
    list_display = ["name", "country_list"]
    search_fields = ["name"]
    inlines = [ShippingMethodInline]

    @admin.display(description="countries")
    def country_list(self, zone: ShippingZone) -> str:
        return ", ".join(zone.countries)


@admin.register(ShippingMethod)
class ShippingMethodAdmin(ModelAdmin):
    list_display = ["name", "zone", "price", "free_over", "days_min", "days_max", "is_active"]
    list_filter = ["is_active", "zone"]
    list_select_related = ["zone"]
    search_fields = ["name", "zone__name"]


@admin.register(TaxRate)
class TaxRateAdmin(ModelAdmin):
    list_display = ["country", "category", "rate"]
    list_filter = ["country"]
    list_select_related = ["category"]


@admin.register(Voucher)
class VoucherAdmin(ModelAdmin):
    list_display = ["code", "kind", "value", "min_subtotal", "valid_from", "valid_until", "use_count", "usage_limit"]
    list_filter = ["kind", "is_active"]
    search_fields = ["code"]
    filter_horizontal = ["categories", "products"]
    readonly_fields = ["created_at"]

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(use_count=Count("uses"))

    @admin.display(description="uses", ordering="use_count")
    def use_count(self, voucher: Voucher) -> int:
        return voucher.use_count
