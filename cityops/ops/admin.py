"""Reference data of the operations centre: the duty shifts, the response plans and their tasks."""

from django.contrib import admin

from cityops.audit.admin_mixins import AuditedAdmin
from cityops.audit.services import audit_record
from cityops.ops.models import PlanTask, ResponsePlan, ShiftTemplate


@admin.register(ShiftTemplate)
class ShiftTemplateAdmin(AuditedAdmin):
    list_display = ["code", "name", "starts", "ends", "order", "active"]


class PlanTaskInline(admin.TabularInline):
    model = PlanTask
    extra = 1
    fields = ["order", "title", "instructions", "department", "to_affected_villages", "deadline_minutes"]


@admin.register(ResponsePlan)
class ResponsePlanAdmin(AuditedAdmin):
    list_display = ["code", "name", "kind", "level"]
    list_filter = ["kind", "level"]
    search_fields = ["code", "name"]
    inlines = [PlanTaskInline]

    def save_formset(self, request, form, formset, change):
        """The plan's tasks as they stand after the save, in the audit trail with the plan."""
        super().save_formset(request, form, formset, change)
        if formset.has_changed():
            tasks = [
                {
                    "title": t.title,
                    "department": t.department_id,
                    "villages": t.to_affected_villages,
                    "minutes": t.deadline_minutes,
                }
                for t in form.instance.tasks.order_by("order", "id")
            ]
            audit_record(
                action="ops.responseplan.tasks", actor=request.user, obj=form.instance, after={"tasks": tasks}
            )
