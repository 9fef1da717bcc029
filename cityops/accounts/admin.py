from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.utils.translation import gettext_lazy as _

from cityops.accounts.models import ApiToken, User
from cityops.accounts.services import unlock
from cityops.audit.admin_mixins import AuditedAdmin


@admin.register(User)
class UserAdmin(AuditedAdmin, DjangoUserAdmin):
    list_display = (
        "username",
        "display_name",
        "role",
        "scope_level",
        "scope_unit",
        "is_active",
        "locked_until",
    )
    list_filter = ("role", "scope_level", "is_active", "scope_area")
    search_fields = ("username", "display_name")
    autocomplete_fields = ()
    raw_id_fields = ("scope_area", "scope_village", "scope_grid")
    filter_horizontal = ("departments",)
    readonly_fields = ("last_login", "date_joined", "password_changed_at", "failed_logins", "locked_until")
    fieldsets = (
        (None, {"fields": ("username", "password")}),
        (_("Person"), {"fields": ("display_name", "phone", "email")}),
        (
            _("Role and scope"),
            {"fields": ("role", "scope_level", "scope_area", "scope_village", "scope_grid", "departments")},
        ),
        (
            _("Security"),
            {
                "fields": (
                    "is_active",
                    "is_staff",
                    "is_superuser",
                    "password_changed_at",
                    "failed_logins",
                    "locked_until",
                    "last_login",
                    "date_joined",
                )
            },
        ),
    )
    actions = ["unlock_accounts"]

    def get_queryset(self, request):
        return super().get_queryset(request).restrict(request.user, "accounts.view")

    @admin.action(description=_("Unlock the selected accounts"))
    def unlock_accounts(self, request, queryset):
        for user in queryset:
            unlock(user=user, by=request.user)


@admin.register(ApiToken)
class ApiTokenAdmin(admin.ModelAdmin):
    list_display = ("name", "user", "prefix", "created_at", "expires_at", "revoked_at", "last_used_at")
    readonly_fields = ("user", "name", "prefix", "digest", "created_at", "expires_at", "last_used_at")
    search_fields = ("name", "user__username", "prefix")

    def has_add_permission(self, request):
        return False
