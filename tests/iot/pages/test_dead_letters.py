"""Dead letters: the list by reason, the payload shown safely, and marking one resolved."""

import pytest

pytestmark = pytest.mark.django_db


def test_list_filters_by_reason_and_state(client, users, dead_letters):
    client.force_login(users["admin"])
    html = client.get("/iot/dead-letters/").content.decode()
    assert f'data-dead-letter="{dead_letters["json"].pk}"' in html
    assert f'data-dead-letter="{dead_letters["binary"].pk}"' in html
    # the preview of a text payload is escaped, a binary one is hex
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html and "<script>alert(1)" not in html
    assert "0x000102fffe3c623e" in html
    html = client.get("/iot/dead-letters/", {"reason": "malformed"}).content.decode()
    assert f'data-dead-letter="{dead_letters["binary"].pk}"' in html
    assert f'data-dead-letter="{dead_letters["json"].pk}"' not in html


def test_detail_pretty_prints_json_escaped(client, users, dead_letters):
    client.force_login(users["admin"])
    html = client.get(f"/iot/dead-letters/{dead_letters['json'].pk}/").content.decode()
    assert 'data-kind="json"' in html
    assert "&quot;pm25&quot;: 5000" in html
    assert "&lt;script&gt;" in html and "<script>alert" not in html
    assert "cityops/v1/devices/AIR-G1/telemetry" in html


def test_detail_shows_binary_as_hex(client, users, dead_letters):
    client.force_login(users["admin"])
    html = client.get(f"/iot/dead-letters/{dead_letters['binary'].pk}/").content.decode()
    assert 'data-kind="binary"' in html
    assert "00000000  00 01 02 ff fe 3c 62 3e" in html and "|.....&lt;b&gt;|" in html


def test_long_text_is_cut(client, users, dead_letters):
    from cityops.iot.models import DeadLetter

    letter = DeadLetter.objects.create(
        source="mqtt", reason="oversized", detail="too large", payload=b"x" * 30_000, payload_size=300_000
    )
    client.force_login(users["admin"])
    html = client.get(f"/iot/dead-letters/{letter.pk}/").content.decode()
    assert "x" * 20_000 in html and "x" * 20_001 not in html
    assert "20,000" in html or "20000" in html


def test_mark_resolved_once_and_audited(client, users, dead_letters):
    from cityops.audit.models import AuditRecord

    letter = dead_letters["json"]
    client.force_login(users["admin"])
    response = client.post(f"/iot/dead-letters/{letter.pk}/resolve/")
    assert response.status_code == 302
    letter.refresh_from_db()
    first = letter.resolved_at
    assert first is not None
    assert AuditRecord.objects.filter(action="iot.dead_letter.resolve", object_id=str(letter.pk)).count() == 1
    response = client.post(f"/iot/dead-letters/{letter.pk}/resolve/", follow=True)
    assert "已处理过" in response.content.decode()
    letter.refresh_from_db()
    assert letter.resolved_at == first
    # resolved letters leave the default list
    html = client.get("/iot/dead-letters/").content.decode()
    assert f'data-dead-letter="{letter.pk}"' not in html
    html = client.get("/iot/dead-letters/", {"state": "resolved"}).content.decode()
    assert f'data-dead-letter="{letter.pk}"' in html
