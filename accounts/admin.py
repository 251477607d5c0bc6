from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin

from accounts.models import CustomerProfile, User


class CustomerProfileInline(admin.StackedInline):
    model = CustomerProfile
    can_delete = False


@admin.register(User)
class UserAdmin(DjangoUserAdmin):
    list_display = ["username", "email", "role", "is_staff", "is_superuser", "is_active", "date_joined"]
    list_filter = ["role", "is_staff", "is_superuser", "is_active"]
    search_fields = ["username", "email", "first_name", "last_name"]
    fieldsets = [*DjangoUserAdmin.fieldsets, ("Store", {"fields": ["role"]})]
    add_fieldsets = [*DjangoUserAdmin.add_fieldsets, ("Store", {"fields": ["email", "role"]})]

    def get_inlines(self, request, obj):
        # A new user's profile is created on save; the inline edits it afterwards.
        return [CustomerProfileInline] if obj else []


@admin.register(CustomerProfile)
class CustomerProfileAdmin(admin.ModelAdmin):
    list_display = ["user", "phone", "city", "country"]
    list_select_related = ["user"]
    search_fields = ["user__username", "user__email", "phone", "city"]
    list_filter = ["country"]
