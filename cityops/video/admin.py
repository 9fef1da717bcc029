"""Reference data of the video platform. Projects, alert kinds and the group tree are edited here
(every save audited); channels and sites change only through the services (their IDs, location
and sealed credentials are checked there), so the admin does not show them."""

from django.contrib import admin

from cityops.audit.admin_mixins import AuditedAdmin
from cityops.video.models import AlertKind, Group, Project


@admin.register(Project)
class ProjectAdmin(AuditedAdmin):
    list_display = ("code", "name", "kind", "target_rate", "planned_sites", "planned_channels")
    list_filter = ("kind",)
    search_fields = ("code", "name")

    def get_readonly_fields(self, request, obj=None):
        return ("code",) if obj else ()

    def has_delete_permission(self, request, obj=None):
        return False  # sites and channels hang on it; a project is never deleted


@admin.register(AlertKind)
class AlertKindAdmin(AuditedAdmin):
    list_display = ("code", "name", "scene", "item_code", "min_confidence", "suppress_minutes", "active")
    list_filter = ("scene", "active")
    search_fields = ("code", "name")

    def has_delete_permission(self, request, obj=None):
        return False  # alerts keep their kind; switch it off instead


@admin.register(Group)
class GroupAdmin(AuditedAdmin):
    """Read-mostly: the tree rule and the ID rules live in the services (and the Catalog), so the
    admin may rename a group but not re-hang or add one."""

    list_display = ("gb_id", "name", "parent")
    search_fields = ("gb_id", "name")
    readonly_fields = ("gb_id", "parent")

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
