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
