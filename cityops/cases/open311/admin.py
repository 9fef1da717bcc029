"""Admin of Open311 clients: adding one issues its api_key (shown once); actions revoke or re-issue keys."""

from django.contrib import admin, messages
from django.http import HttpResponse
from django.template import engines
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from cityops.audit.admin_mixins import AuditedAdmin
from cityops.cases.models import Open311Client
from cityops.cases.open311.keys import client_issue, client_reissue, client_revoke

KEY_PAGE = """{% extends "admin/base_site.html" %}{% load i18n %}
{% block content %}<div id="content-main">
<p><strong>{% translate "Copy each api_key now: it is shown only this once and cannot be recovered." %}</strong></p>
<table>{% for name, key in keys %}<tr><th>{{ name }}</th><td><code>{{ key }}</code></td></tr>{% endfor %}</table>
<p><a href="{{ back }}">{% translate "Back to the Open311 clients" %}</a></p>
</div>{% endblock %}"""


def key_page(modeladmin, request, keys: list[tuple[str, str]]) -> HttpResponse:
    context = {
        **modeladmin.admin_site.each_context(request),
        "title": _("New Open311 api_key"),
        "keys": keys,
        "back": reverse("admin:cases_open311client_changelist"),
        "opts": modeladmin.model._meta,
    }
    response = HttpResponse(engines["django"].from_string(KEY_PAGE).render(context, request))
    response["Cache-Control"] = "no-store"
    return response


@admin.register(Open311Client)
class Open311ClientAdmin(AuditedAdmin):
    list_display = ("name", "contact", "prefix", "active", "created_at", "last_used_at", "requests")
    list_filter = (("revoked_at", admin.EmptyFieldListFilter),)
    search_fields = ("name", "contact", "prefix")
    actions = ["revoke_keys", "reissue_keys"]

    @admin.display(boolean=True, description=_("active"))
    def active(self, obj):
        return obj.active

    def get_fields(self, request, obj=None):
        if obj is None:
            return ("name", "contact")
        return ("name", "contact", "prefix", "created_at", "revoked_at", "last_used_at", "requests")

    def get_readonly_fields(self, request, obj=None):
        if obj is None:
            return ()
        return ("name", "prefix", "created_at", "revoked_at", "last_used_at", "requests")

    def has_delete_permission(self, request, obj=None):
        return False  # reports keep the client's name; revoke instead

    def save_model(self, request, obj, form, change):
        if change:
            super().save_model(request, obj, form, change)
            return
        client, raw = client_issue(name=obj.name, contact=obj.contact, by=request.user)
        for field in ("pk", "prefix", "digest", "created_at"):
            setattr(obj, field, getattr(client, field))
        request._open311_new_key = raw

    def response_add(self, request, obj, post_url_continue=None):
        raw = getattr(request, "_open311_new_key", None)
        if raw is None:
            return super().response_add(request, obj, post_url_continue)
        return key_page(self, request, [(obj.name, raw)])

    @admin.action(description=_("Revoke the api_keys of the selected clients"), permissions=["change"])
    def revoke_keys(self, request, queryset):
        names = [c.name for c in queryset]
        for name in names:
            client_revoke(name=name, by=request.user)
        self.message_user(request, _("Revoked: %s") % ", ".join(names), messages.SUCCESS)

    @admin.action(description=_("Issue new api_keys to the selected clients"), permissions=["change"])
    def reissue_keys(self, request, queryset):
        keys = []
        for client in queryset:
            fresh, raw = client_reissue(name=client.name, by=request.user)
            keys.append((fresh.name, raw))
        return key_page(self, request, keys)
