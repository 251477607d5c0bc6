from django.contrib import admin, messages
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from unfold.admin import ModelAdmin, StackedInline
from unfold.forms import AdminPasswordChangeForm, UserChangeForm, UserCreationForm

from accounts import services
from accounts.models import CustomerProfile, User


class CustomerProfileInline(StackedInline):
    model = CustomerProfile
    can_delete = False


@admin.register(User)
class UserAdmin(DjangoUserAdmin, ModelAdmin):
    # Unfold's versions of Django's user forms: the same fields and checks, in the back office's style.
    form = UserChangeForm
    add_form = UserCreationForm
    change_password_form = AdminPasswordChangeForm
    list_display = ["username", "email", "role", "is_staff", "is_superuser", "is_active", "date_joined"]
    list_filter = ["role", "is_staff", "is_superuser", "is_active"]
    search_fields = ["username", "email", "first_name", "last_name"]
    fieldsets = [*DjangoUserAdmin.fieldsets, ("Store", {"fields": ["role"]})]
    add_fieldsets = [*DjangoUserAdmin.add_fieldsets, ("Store", {"fields": ["email", "role"]})]
    actions = ["deactivate"]

    def get_inlines(self, request, obj):
        # A new user's profile is created on save; the inline edits it afterwards.
        return [CustomerProfileInline] if obj else []

    def save_related(self, request, form, formsets, change):
        # After the form's groups are saved: the role decides staff status and the managers' group.
        super().save_related(request, form, formsets, change)
        services.user_role_sync(user=form.instance)

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        if change and "is_active" in form.changed_data and not obj.is_active:
            # Unticking "active" ends the user's sessions, as the action does.
            services.users_deactivate(user_ids=[obj.pk])

    @admin.action(description="Deactivate the selected users and end their sessions", permissions=["change"])
    def deactivate(self, request, queryset):
        user_ids = list(queryset.exclude(pk=request.user.pk).values_list("pk", flat=True))
        if len(user_ids) < queryset.count():
            self.message_user(request, "You cannot deactivate your own account.", messages.WARNING)
        revoked = services.users_deactivate(user_ids=user_ids)
        self.message_user(
            request, f"Deactivated {len(user_ids)} user(s); revoked {revoked} refresh token(s).", messages.SUCCESS
        )


@admin.register(CustomerProfile)
class CustomerProfileAdmin(ModelAdmin):
    list_display = ["user", "phone", "city", "country"]
    list_select_related = ["user"]
    search_fields = ["user__username", "user__email", "phone", "city"]
    list_filter = ["country"]
