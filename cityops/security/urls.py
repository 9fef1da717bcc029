"""The network security pages under /security/."""

from django.urls import path

from cityops.security.views import incidents, register, terminals

app_name = "security"
urlpatterns = [
    path("", incidents.incident_list, name="incidents"),
    path("incidents/export.<str:fmt>", incidents.incident_export, name="incidents_export"),
    path("incidents/new/", incidents.incident_new, name="incident_new"),
    path("incidents/<str:number>/", incidents.incident_detail, name="incident"),
    path("incidents/<str:number>/report.<str:fmt>", incidents.incident_report, name="incident_report"),
    path("incidents/<str:number>/grade/", incidents.incident_grade, name="incident_grade"),
    path("incidents/<str:number>/systems/", incidents.incident_systems, name="incident_systems"),
    path("incidents/<str:number>/notes/", incidents.incident_note, name="incident_note"),
    path("incidents/<str:number>/steps/<str:step>/owner/", incidents.step_owner, name="step_owner"),
    path("incidents/<str:number>/steps/<str:step>/done/", incidents.step_done, name="step_done"),
    path("systems/", register.system_list, name="systems"),
    path("systems/export.<str:fmt>", register.system_export, name="systems_export"),
    path("systems/new/", register.system_new, name="system_new"),
    path("systems/<str:code>/", register.system_detail, name="system"),
    path("systems/<str:code>/edit/", register.system_edit, name="system_edit"),
    path("systems/<str:code>/assessment/", register.system_assessment, name="system_assessment"),
    path("terminals/", terminals.terminal_list, name="terminals"),
    path("terminals/export.<str:fmt>", terminals.terminal_export, name="terminals_export"),
    path("terminals/import/", terminals.terminal_import, name="terminals_import"),
]
