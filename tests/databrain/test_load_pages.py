"""The load wizard's pages: upload, preview and mapping, the outcome; the log on the resource page."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from cityops.databrain.models import Load
from tests.databrain.files import csv_bytes, rid

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("english_pages")]

GOOD = rid("44190019900101001")


def upload(client, code, rows, name="f.csv", encoding="gbk"):
    return client.post(
        f"/data/resources/{code}/load/",
        {"file": SimpleUploadedFile(name, csv_bytes(rows, encoding)), "header_rows": "1"},
    )


def test_upload_map_and_load_then_the_report_and_the_log(client, users, rented):
    client.force_login(users["steward"])
    rows = [
        ["身份证号", "姓名", "手机", "备注"],
        [GOOD, "陈大文", "12345", "x"],
        [GOOD, "陈重复", "13812345678", "y"],
    ]
    response = upload(client, rented.code, rows)
    load = Load.objects.get()
    assert response.status_code == 302 and response.url == f"/data/loads/{load.pk}/"
    page = client.get(response.url).content.decode()
    assert 'data-header="身份证号"' in page and "陈大文" in page and "db-unmapped" in page
    assert '<option value="name" selected>' in page  # 姓名 is the title of the field name
    done = client.post(response.url, {"map-0": "id_number", "map-1": "name", "map-2": "phone", "map-3": ""})
    assert done.status_code == 302
    load.refresh_from_db()
    assert load.status == "done" and load.encoding == "GB18030" and load.flagged == 2
    report = client.get(response.url).content.decode()
    assert (
        'data-problem="mobile"' in report and 'data-problem="duplicate"' in report and "also row 2" in report
    )
    resource_page = client.get(f"/data/resources/{rented.code}/").content.decode()
    assert f'data-load="{load.pk}"' in resource_page and "Invalid mobile number" in resource_page
    flagged = client.get(f"/data/resources/{rented.code}/records/?flagged=1").content.decode()
    assert "12345" in flagged


def test_a_refused_load_lists_every_problem(client, users, rented):
    client.force_login(users["steward"])
    rows = [["公民身份号码", "姓名"], ["", "无号"], [GOOD, "有号", "多"]]
    upload(client, rented.code, rows)
    load = Load.objects.get()
    client.post(f"/data/loads/{load.pk}/", {"map-0": "id_number", "map-1": "name"})
    page = client.get(f"/data/loads/{load.pk}/").content.decode()
    assert "Refused: 2 problems, nothing was written" in page
    assert (
        "row 2, column id_number: the key is empty" in page
        and "row 3: 3 cells, but the header has 2 columns" in page
    )


def test_an_unreadable_file_is_refused_at_upload(client, users, rented):
    client.force_login(users["steward"])
    client.post(
        f"/data/resources/{rented.code}/load/",
        {"file": SimpleUploadedFile("x.xlsx", b"\xd0\xcf\x11\xe0" + b"\0" * 64), "header_rows": "1"},
    )
    page = client.get(f"/data/loads/{Load.objects.get().pk}/").content.decode()
    assert "password-protected" in page


def test_staff_may_not_load(client, users, rented):
    client.force_login(users["officer"])
    assert client.get(f"/data/resources/{rented.code}/load/").status_code == 403
    assert "Load a file" not in client.get(f"/data/resources/{rented.code}/").content.decode()


def test_staff_read_the_report_with_personal_examples_masked(client, users, rented):
    from cityops.databrain.loads import load_file
    from tests.databrain.files import csv_bytes

    bad = GOOD[:-1] + ("1" if GOOD[-1] != "1" else "2")
    load = load_file(
        resource_code=rented.code,
        data=csv_bytes([["公民身份号码", "姓名"], [bad, "陈大文"]]),
        filename="a.csv",
        actor_name="t",
    )
    client.force_login(users["officer"])
    page = client.get(f"/data/loads/{load.pk}/").content.decode()
    assert (
        'data-problem="resident_id"' in page and bad not in page and bad[:4] + "**********" + bad[-4:] in page
    )
    client.force_login(users["steward"])
    assert bad in client.get(f"/data/loads/{load.pk}/").content.decode()
