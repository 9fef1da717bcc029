"""Reference data of the IoT platform. Devices, rules and alarms change only through the services
(validation, location, audit), so the admin shows them read-only."""

from django.contrib import admin

from cityops.audit.admin_mixins import AuditedAdmin
from cityops.iot.models import Alarm, Device, DeviceType, DeviceTypeQuantity, Quantity, Rule


@admin.register(Quantity)
class QuantityAdmin(AuditedAdmin):
    list_display = ("code", "name", "unit_symbol")
    search_fields = ("code", "name")


class TypeQuantityInline(admin.TabularInline):
    model = DeviceTypeQuantity
    extra = 0


@admin.register(DeviceType)
class DeviceTypeAdmin(AuditedAdmin):
    list_display = ("code", "name", "report_interval_s", "offline_after_s", "raw_days")
    search_fields = ("code", "name")
    inlines = [TypeQuantityInline]


class ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Device)
class DeviceAdmin(ReadOnlyAdmin):
    list_display = ("code", "name", "device_type", "status", "connectivity", "village", "grid")
    list_filter = ("device_type", "status", "connectivity")
    search_fields = ("code", "name")


@admin.register(Rule)
class RuleAdmin(ReadOnlyAdmin):
    list_display = ("code", "name", "device_type", "device", "kind", "severity", "enabled", "case_item_code")
    list_filter = ("device_type", "kind", "severity", "enabled")


@admin.register(Alarm)
class AlarmAdmin(ReadOnlyAdmin):
    list_display = ("id", "device", "rule", "severity", "status", "started_at", "case_number")
    list_filter = ("status", "severity")
