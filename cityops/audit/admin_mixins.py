from django.contrib import admin
from django.forms.models import model_to_dict

from cityops.audit.services import audit_record, changed_fields


def _snapshot(obj) -> dict:
    data = model_to_dict(obj)
    return {
        k: (v.pk if hasattr(v, "pk") else [x.pk for x in v] if isinstance(v, list) else v)
        for k, v in data.items()
    }


class AuditedAdmin(admin.ModelAdmin):
    """Admin whose every save and delete leaves an audit record with the changed fields."""

    def save_model(self, request, obj, form, change):
        before = _snapshot(type(obj).objects.get(pk=obj.pk)) if change and obj.pk else {}
        super().save_model(request, obj, form, change)
        after = _snapshot(obj)
        b, a = changed_fields(before, after)
        action = f"{obj._meta.label_lower}.{'change' if change else 'create'}"
        audit_record(action=action, actor=request.user, obj=obj, before=b or None, after=a)

    def delete_model(self, request, obj):
        before = _snapshot(obj)
        audit_record(action=f"{obj._meta.label_lower}.delete", actor=request.user, obj=obj, before=before)
        super().delete_model(request, obj)

    def delete_queryset(self, request, queryset):
        for obj in queryset:
            self.delete_model(request, obj)
