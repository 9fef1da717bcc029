"""The duty pages: who reads, who edits, and each form reaching its service."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from cityops.ops.duty.decisions import request_decision
from cityops.ops.duty.roster import Slot, roster_set
from cityops.ops.models import Decision, Handover, RosterEntry

pytestmark = pytest.mark.django_db


def test_the_duty_page_reads_for_ops_screen_and_edits_for_ops_duty(client, people, shifts, future_day):
    p = people
    roster_set(day=future_day, template=shifts["day"], slot=Slot(p["lead1"], [p["duty1"]]), by=p["officer"])
    url = reverse("ops:duty")
    client.force_login(p["inspector_g1"])
    assert client.get(url).status_code == 403
    client.force_login(p["auditor"])
    page = client.get(url, {"date": future_day.isoformat()}, HTTP_ACCEPT_LANGUAGE="en")
    assert page.status_code == 200
    html = page.content.decode()
    assert "lead1" in html and 'data-testid="duty-gap"' in html  # nobody is rostered now
    assert reverse("ops:entry", args=[future_day.isoformat(), "day"]) not in html
    assert client.get(reverse("ops:entry", args=[future_day.isoformat(), "day"])).status_code == 403
    client.force_login(p["officer"])
    edit = reverse("ops:entry", args=[future_day.isoformat(), "night"])
    assert client.get(edit).status_code == 200
    got = client.post(edit, {"leader": p["lead2"].pk, "officers": [p["duty2"].pk, p["duty3"].pk]})
    assert got.status_code == 302
    night = RosterEntry.objects.get(date=future_day, template=shifts["night"])
    assert [o.user.username for o in night.officers.all()] == ["duty2", "duty3"]
    refused = client.post(edit, {"leader": p["dispatcher_v1"].pk, "officers": [p["duty2"].pk]}, follow=True)
    assert "dispatcher_v1" in refused.content.decode()
    assert RosterEntry.objects.get(pk=night.pk).leader == p["lead2"]
    client.post(edit, {"clear": "1"})
    assert not RosterEntry.objects.filter(pk=night.pk).exists()
    export = client.get(reverse("ops:roster_export"), {"date": future_day.isoformat()})
    assert export.status_code == 200 and export["Content-Disposition"].endswith('.xlsx"')


def test_handover_and_decision_forms(client, people, shifts):
    p = people
    today = timezone.localdate()
    entry = roster_set(
        day=today - timedelta(days=1),
        template=shifts["night"],
        slot=Slot(p["lead1"], [p["duty1"]]),
        by=p["admin"],
    )
    client.force_login(p["duty1"])
    url = reverse("ops:handover")
    assert client.get(url).status_code == 200
    client.post(url, {"do": "write", "entry": entry.pk, "summary": "quiet night", "items": "lamp V2\n"})
    handover = Handover.objects.get(entry=entry)
    assert [i.text for i in handover.items.all()] == ["lamp V2"]
    client.post(url, {"do": "close", "item": handover.items.get().pk, "note": "fixed"})
    assert handover.items.get().closed_note == "fixed"
    asked = request_decision(kind="other", title="Open the shelter?", by=p["officer"])
    client.force_login(p["admin"])
    client.post(reverse("ops:decide", args=[asked.pk]), {"decision": "Open it"})
    assert Decision.objects.get(pk=asked.pk).decision == "Open it"
