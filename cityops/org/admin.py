from django.contrib import admin

from cityops.audit.admin_mixins import AuditedAdmin
from cityops.org.models import Department, Workstation


@admin.register(Department)
class DepartmentAdmin(AuditedAdmin):
    list_display = ("code", "name", "short_name", "in_grid", "gives_services", "phone")
    list_filter = ("in_grid", "gives_services")
    search_fields = ("code", "name")


@admin.register(Workstation)
class WorkstationAdmin(AuditedAdmin):
    list_display = ("code", "name", "level", "area", "village", "phone")
    list_filter = ("level", "area")
    search_fields = ("code", "name")
