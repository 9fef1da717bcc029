from django.contrib import admin

from cityops.ops.models import ShiftTemplate


@admin.register(ShiftTemplate)
class ShiftTemplateAdmin(admin.ModelAdmin):
    list_display = ["code", "name", "starts", "ends", "order", "active"]
