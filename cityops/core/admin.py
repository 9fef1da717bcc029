from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from cityops.core.models import CalendarDay


class YearFilter(admin.SimpleListFilter):
    title = _("year")
    parameter_name = "year"

    def lookups(self, request, model_admin):
        years = CalendarDay.objects.dates("date", "year", order="DESC")
        return [(str(d.year), str(d.year)) for d in years]

    def queryset(self, request, queryset):
        if self.value() and self.value().isdigit():
            return queryset.filter(date__year=int(self.value()))
        return queryset


@admin.register(CalendarDay)
class CalendarDayAdmin(admin.ModelAdmin):
    """Holidays and adjusted working days; whole years are loaded with ``calendar-load``."""

    list_display = ("date", "weekday", "kind", "name", "updated_at")
    list_filter = (YearFilter, "kind")
    search_fields = ("name",)
    date_hierarchy = "date"
    ordering = ("date",)

    @admin.display(description=_("weekday"), ordering="date")
    def weekday(self, obj):
        return obj.date.strftime("%a")
