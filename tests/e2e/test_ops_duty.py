"""The duty desk in Chromium: the leader on duty sees the roster with today marked, the gap-free
on-duty strip and a decision waiting, records it; the handover log shows a carried item."""

from datetime import time, timedelta

import pytest
from django.utils import timezone

from cityops.ops.duty.decisions import request_decision
from cityops.ops.duty.handover import handover_write
from cityops.ops.duty.roster import Slot, roster_set
from cityops.ops.duty.selectors import on_duty
from cityops.ops.models import Decision, ShiftTemplate
from tests.conftest import PASSWORD, _user
from tests.e2e.pages import login, screenshot

pytestmark = pytest.mark.django_db(transaction=True)


def _desk(users):
    lead = _user("zhangwei", "duty_officer")
    lead.display_name = "张伟"
    lead.save()
    officers = [_user(n, "duty_officer") for n in ("liming", "wangfang", "chenjing")]
    # The shifts come from a data migration; an earlier browser test's flush has removed them.
    for code, name, starts, ends in (
        ("day", "白班", time(8, 30), time(17, 30)),
        ("night", "夜班", time(17, 30), time(8, 30)),
    ):
        ShiftTemplate.objects.get_or_create(
            code=code,
            defaults={"name": name, "starts": starts, "ends": ends, "order": 1 if code == "day" else 2},
        )
    shifts = {t.code: t for t in ShiftTemplate.objects.all()}
    today = timezone.localdate()
    for n in range(-1, 6):
        day = today + timedelta(days=n)
        for i, code in enumerate(("day", "night")):
            slot = Slot(lead if code == "day" else users["officer"], [officers[(n + i) % 3]])
            roster_set(day=day, template=shifts[code], slot=slot, by=users["admin"])
    first = on_duty().entry
    earlier = first.__class__.objects.filter(ends_at__lte=first.starts_at).order_by("-ends_at").first()
    handover_write(
        entry=earlier,
        summary="夜间平稳；河道水位偏高。",
        items=["三号泵站待检修"],
        by=earlier.leader,
        now=earlier.ends_at,
    )
    request_decision(kind="other", title="是否启用河滨路临时封闭？", by=users["dispatcher_v1"])
    return first.leader


def test_the_leader_records_a_decision_and_reads_the_handover(new_page, users):
    leader = _desk(users)
    for locale, suffix in (("zh-CN", "zh"), ("en-GB", "en")):
        page = new_page(locale=locale, viewport={"width": 1400, "height": 1000})
        login(page, leader.username, PASSWORD, "/ops/duty/")
        assert page.locator("tr.is-today").count() == 1
        assert page.locator('[data-testid="duty-gap"]').count() == 0
        screenshot(page, f"ops-duty-{suffix}.png")
        page.goto("/ops/duty/handover/")
        assert page.locator('[data-testid="open-items"]').get_by_text("三号泵站待检修").count() == 1
        screenshot(page, f"ops-duty-handover-{suffix}.png")
        page.goto(f"/ops/duty/{timezone.localdate() + timedelta(days=2)}/night/")
        screenshot(page, f"ops-duty-entry-{suffix}.png")
        assert page.js_errors == []
    page.goto("/ops/duty/")
    page.fill('[data-decision] textarea[name="decision"]', "同意封闭至 18:00")
    page.click('[data-decision] button[type="submit"]')
    page.wait_for_load_state()
    assert Decision.objects.get().decision == "同意封闭至 18:00"
    assert page.get_by_text("同意封闭至 18:00").count() == 1
