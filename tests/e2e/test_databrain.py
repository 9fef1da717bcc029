"""The data brain's load wizard in the browser: upload a GBK file, map its columns, load it, read the
quality report and find the flagged records."""

import pytest

from tests.conftest import PASSWORD
from tests.databrain import conftest as databrain_fixtures
from tests.databrain.files import csv_bytes, rid
from tests.e2e.pages import login, screenshot

categories, rented = databrain_fixtures.categories, databrain_fixtures.rented

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def resource(rented):
    from cityops.databrain import datastore

    yield rented
    datastore.drop_table(rented)  # the database is emptied table by table; this one is not a model's


def test_the_load_wizard(users, new_page, resource, tmp_path):
    good, other = rid("44190019900101001"), rid("44190019910203002")
    path = tmp_path / "出租屋.csv"
    path.write_bytes(
        csv_bytes(
            [
                ["身份证号", "姓名", "出生日期", "手机", "备注"],
                [good, "陈大文", "1990/01/01", "13812345678", "a"],
                [other, "李小明", "19910203", "1381234", "b"],
                [good, "陈大文", "1990-01-01", "13812345678", "c"],
            ],
            "gbk",
        )
    )
    page = new_page()
    login(page, "steward", PASSWORD, next_url=f"/data/resources/{resource.code}/")
    page.click('[data-testid="load-link"]')
    page.set_input_files("#id_file", str(path))
    screenshot(page, "databrain-load-upload.png")
    page.click('[data-testid="upload-form"] button[type=submit]')
    page.wait_for_selector('[data-testid="mapping-form"]')
    assert page.locator("select.db-unmapped").count() == 3  # 身份证号, 手机 and 备注 match no title
    page.select_option('select[data-header="身份证号"]', "id_number")
    page.select_option('select[data-header="手机"]', "phone")
    page.select_option('select[data-header="备注"]', "")
    screenshot(page, "databrain-load-mapping.png")
    page.click('[data-testid="commit-load"]')
    page.wait_for_selector('[data-testid="quality-report"]')
    assert page.locator('[data-testid="load-status"]').get_attribute("data-status") == "done"
    assert page.locator('tr[data-problem="mobile"]').count() == 1
    assert page.locator('tr[data-problem="duplicate"]').count() == 1
    screenshot(page, "databrain-load-report.png")
    page.goto(f"/data/resources/{resource.code}/records/?flagged=1")
    assert page.locator("tr[data-record]").count() == 2
    screenshot(page, "databrain-records-flagged.png")
    assert not page.js_errors


def test_a_large_json_file_loads_in_the_background_with_a_progress_bar(
    users, new_page, resource, tmp_path, monkeypatch
):
    import json
    import threading
    import time

    from cityops.databrain import loads

    monkeypatch.setattr(loads, "BACKGROUND_BYTES", 1000)
    monkeypatch.setattr(loads, "PROGRESS_EVERY", 100)
    real = loads.cache

    class Throttled:  # the worker reports a little slower, so that the page sees several steps
        get = staticmethod(real.get)

        @staticmethod
        def set(key, value, timeout=None):
            real.set(key, value, timeout)
            time.sleep(0.15)

    monkeypatch.setattr(loads, "cache", Throttled)
    people = [
        {"身份证号": rid(f"4419001990{n:07d}"), "姓名": f"人{n}", "户": {"出租间数": n % 9}}
        for n in range(2000)
    ]
    path = tmp_path / "出租屋.json"
    path.write_text(json.dumps({"data": people}, ensure_ascii=False), encoding="utf-8")
    page = new_page()
    login(page, "steward", PASSWORD, next_url=f"/data/resources/{resource.code}/load/")
    page.set_input_files("#id_file", str(path))
    page.fill("#id_json_path", "data")
    page.click('[data-testid="upload-form"] button[type=submit]')
    page.select_option('select[data-header="身份证号"]', "id_number")
    page.click('[data-testid="commit-load"]')
    page.wait_for_selector('[data-testid="load-progress"]')
    from django.db import connections

    def background():
        try:
            loads.load_queued()
        finally:
            connections.close_all()  # this thread's connection

    worker = threading.Thread(target=background)
    worker.start()
    seen, states = set(), set()
    while page.locator('[data-testid="quality-report"]').count() == 0 and len(seen) < 50:
        bar = page.locator('[data-testid="load-progress"]')
        if bar.count():
            seen.add(int(bar.get_attribute("data-read") or 0))
            states.add(page.locator('[data-testid="load-status"]').get_attribute("data-status"))
            if len(seen) == 3:
                screenshot(page, "databrain-load-progress.png")
        page.wait_for_timeout(200)
    worker.join()
    page.wait_for_selector('[data-testid="quality-report"]')
    assert len([n for n in seen if 0 < n < 2000]) >= 2, seen  # the bar moved
    assert "running" in states, states  # and the heading's badge with it
    assert page.locator('[data-testid="load-status"]').get_attribute("data-status") == "done"
    screenshot(page, "databrain-load-background-done.png")
    assert not page.js_errors
