from django.contrib import admin

from cityops.audit.admin_mixins import AuditedAdmin
from cityops.geo.models import Area, Grid, Place, Town, Village


class RegionAdmin(AuditedAdmin):
    list_display = ("code", "name", "area_m2")
    search_fields = ("code", "name")
    readonly_fields = (
        "geometry",
        "min_lon",
        "min_lat",
        "max_lon",
        "max_lat",
        "centroid_lon",
        "centroid_lat",
        "area_m2",
    )

    def has_add_permission(self, request):
        return False  # regions come from a validated GeoJSON import


admin.site.register(Town, RegionAdmin)


@admin.register(Area)
class AreaAdmin(RegionAdmin):
    list_display = ("code", "name", "town", "area_m2")


@admin.register(Village)
class VillageAdmin(RegionAdmin):
    list_display = ("code", "name", "area", "is_community", "area_m2")
    list_filter = ("area", "is_community")


@admin.register(Grid)
class GridAdmin(RegionAdmin):
    list_display = ("code", "name", "village", "area", "area_m2")
    list_filter = ("area",)


@admin.register(Place)
class PlaceAdmin(AuditedAdmin):
    list_display = ("code", "name", "kind", "village", "grid")
    list_filter = ("kind", "area")
    search_fields = ("code", "name")
    readonly_fields = ("area", "village", "grid")

    def has_add_permission(self, request):
        return False
