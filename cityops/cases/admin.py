from django import forms
from django.contrib import admin
from django.utils.translation import gettext_lazy as _

import cityops.cases.open311.admin  # noqa: F401 - registers Open311Client
from cityops.audit.admin_mixins import AuditedAdmin
from cityops.cases.catalogue import catalogue_download
from cityops.cases.models import DepartmentWebhook, ItemCategory, PatrolItem, WebhookDelivery

EXPORT_LABELS = {"csv": _("Export the selected items as CSV"), "xlsx": _("Export the selected items as XLSX")}


class ItemCategoryForm(forms.ModelForm):
    class Meta:
        model = ItemCategory
        fields = ["code", "name", "kind", "parent"]

    def clean(self):
        data = super().clean()
        parent, kind = data.get("parent"), data.get("kind")
        if parent is not None and parent.parent_id is not None:
            self.add_error("parent", _("A small category's parent must be a big category."))
        elif parent is not None and kind and parent.kind != kind:
            self.add_error("kind", _("A small category has the kind of its big category."))
        return data


@admin.register(ItemCategory)
class ItemCategoryAdmin(AuditedAdmin):
    form = ItemCategoryForm
    list_display = ("code", "name", "kind", "parent")
    list_filter = ("kind",)
    search_fields = ("code", "name")
    list_select_related = ("parent",)

    def get_readonly_fields(self, request, obj=None):
        # items and cases copy a category's big category: moving a stored one would split them
        return ("code", "kind", "parent") if obj is not None else ()

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name == "parent":
            kwargs["queryset"] = ItemCategory.objects.filter(parent__isnull=True)
        return super().formfield_for_foreignkey(db_field, request, **kwargs)


class PatrolItemForm(forms.ModelForm):
    """The kind and big category follow from the small category, so they cannot disagree with it."""

    class Meta:
        model = PatrolItem
        fields = [
            "code",
            "name",
            "category",
            "department",
            "filing_condition",
            "closing_condition",
            "urgency",
            "resident_reportable",
            "on_the_spot",
            "dispatch_limit",
            "dispatch_unit",
            "disposal_limit",
            "disposal_unit",
            "recheck_limit",
            "recheck_unit",
            "active",
        ]

    def clean_category(self):
        category = self.cleaned_data["category"]
        if category.parent_id is None:
            raise forms.ValidationError(_("Choose a small category, not a big one."))
        return category

    def save(self, commit=True):
        item = super().save(commit=False)
        item.kind, item.big_category = item.category.kind, item.category.parent
        if commit:
            item.save()
        return item


def _export(fmt: str):
    def action(modeladmin, request, queryset):
        return catalogue_download(fmt=fmt, queryset=queryset)

    action.__name__ = f"export_{fmt}"
    action.short_description = EXPORT_LABELS[fmt]
    return action


@admin.register(PatrolItem)
class PatrolItemAdmin(AuditedAdmin):
    form = PatrolItemForm
    list_display = (
        "code",
        "name",
        "kind",
        "category",
        "department",
        "urgency",
        "disposal_limit",
        "disposal_unit",
        "active",
    )
    list_filter = (
        "kind",
        "urgency",
        "active",
        "on_the_spot",
        "resident_reportable",
        "big_category",
        "department",
    )
    search_fields = ("code", "name", "category__name")
    list_select_related = ("category", "department")
    autocomplete_fields = ("category", "department")
    readonly_fields = ("kind", "big_category")
    actions = [_export("csv"), _export("xlsx")]


@admin.register(DepartmentWebhook)
class DepartmentWebhookAdmin(AuditedAdmin):
    list_display = ("department", "url", "active")
    list_filter = ("active",)
    search_fields = ("url", "department__name")


@admin.register(WebhookDelivery)
class WebhookDeliveryAdmin(admin.ModelAdmin):
    """Read-only: the outbox is written by case events and emptied by the worker."""

    list_display = ("id", "webhook", "state", "attempts", "next_attempt_at", "last_error", "created_at")
    list_filter = ("state",)
    readonly_fields = [f.name for f in WebhookDelivery._meta.fields]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False
