"""The background jobs page in the browser: the duty officer finds it, sees a failing job and opens
its error."""

import pytest

from cityops.core.jobs import JobSpec, job_run, jobs_sync, registry
from tests.conftest import PASSWORD
from tests.e2e.pages import login, screenshot

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def test_the_duty_officer_sees_what_ran_and_what_failed(users, page):
    specs = list(registry().values())
    jobs_sync(specs)
    job_run(registry()["cases.escalate"], worker="vm:4242:ab12")

    def refused():
        raise ConnectionRefusedError("the webhook receiver at 10.0.0.9 refused the connection")

    hook = registry()["cases.webhooks"]
    job_run(JobSpec(hook.name, refused, hook.every, hook.title), worker="vm:4242:ab12")

    login(page, "officer", PASSWORD)
    page.locator(".mainnav").get_by_role("link", name="后台任务").click()
    page.wait_for_url("**/jobs/")
    assert page.locator(".mainnav a.is-active").inner_text() == "后台任务"
    assert page.locator("tr[data-job]").count() == len(specs)
    row = page.locator('tr[data-job="cases.webhooks"]')
    assert "失败，重试中" in row.inner_text() and "连续失败 1 次" in row.inner_text()
    assert "ConnectionRefusedError" in row.inner_text()
    assert "成功" in page.locator('tr[data-job="cases.escalate"]').inner_text()
    assert "已停用" in page.locator('tr[data-job="demo.trickle"]').inner_text()
    screenshot(page, "jobs.png")
    trace = page.locator("details.jobs-trace").first
    trace.locator("summary").click()
    assert "Traceback" in trace.locator("pre").inner_text()
    screenshot(page, "jobs-failure.png")
    assert page.js_errors == []


def test_a_dispatcher_has_no_jobs_page(users, page):
    login(page, "area_dispatcher", PASSWORD)
    assert page.locator(".mainnav").get_by_text("后台任务").count() == 0
    assert page.goto("/jobs/").status == 403
