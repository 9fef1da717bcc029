"""`cityops backup` and `cityops restore` at the command line, and the PostgreSQL tools they need:
absent or too old, they are named with what to install, before anything is written."""

import io
import os
import stat

import pytest
from django.core.management import CommandError, call_command
from django.db import connection

from cityops.audit.models import AuditRecord
from cityops.backup import postgres
from cityops.backup.errors import BackupError, ToolMissing
from cityops.backup.services import archive_path, backup_create


def _run(*args) -> str:
    out = io.StringIO()
    call_command(*args, stdout=out)
    return out.getvalue()


def fake_tool(folder, name: str, version: str):
    folder.mkdir(exist_ok=True)
    path = folder / name
    path.write_text(f"#!/bin/sh\necho '{name} (PostgreSQL) {version}'\n")
    path.chmod(path.stat().st_mode | stat.S_IXUSR)
    return path


def test_a_tool_is_taken_from_cityops_pg_bindir_only_and_must_be_new_enough(tmp_path, settings):
    settings.CITYOPS_PG_BINDIR = str(tmp_path / "bin")
    with pytest.raises(ToolMissing) as err:
        postgres.find_tool("pg_dump", at_least=15, purpose="to back up a PostgreSQL 15 server")
    assert err.value.detail == (
        f"pg_dump was not found in CITYOPS_PG_BINDIR ({tmp_path}/bin/pg_dump); it is needed to back up a "
        "PostgreSQL 15 server. Install postgresql-client-15 or set CITYOPS_PG_BINDIR to the directory "
        "that holds it."
    )

    old = fake_tool(tmp_path / "bin", "pg_dump", "9.6.24")
    with pytest.raises(ToolMissing) as err:
        postgres.find_tool("pg_dump", at_least=15, purpose="to back up a PostgreSQL 15 server")
    assert err.value.detail == (
        f"pg_dump 15 or newer is needed to back up a PostgreSQL 15 server, but {old} is version 9. "
        "Install postgresql-client-15 or set CITYOPS_PG_BINDIR to its bin directory."
    )

    fake_tool(tmp_path / "bin", "pg_dump", "16.4 (Debian 16.4-1)")
    tool = postgres.find_tool("pg_dump", at_least=15, purpose="")
    assert (tool.path, tool.major) == (str(tmp_path / "bin/pg_dump"), 16)


def test_an_archive_is_never_overwritten(tmp_path):
    taken = tmp_path / "cityops-monday.tar"
    taken.write_bytes(b"last week's archive")
    with pytest.raises(BackupError, match="already exists; a backup never overwrites an archive"):
        archive_path(taken)
    with pytest.raises(BackupError, match="does not exist; create it or name another"):
        archive_path(tmp_path / "no-such-folder" / "x.tar")
    assert archive_path(tmp_path).name.startswith("cityops-")


@pytest.mark.django_db(transaction=True)
def test_a_postgres_backup_without_pg_dump_says_what_to_install_and_leaves_nothing(tmp_path, settings):
    if connection.vendor != "postgresql":
        pytest.skip("pg_dump backs up PostgreSQL only")
    settings.CITYOPS_PG_BINDIR = str(tmp_path / "bin")
    out = tmp_path / "archives"
    out.mkdir()

    with pytest.raises(ToolMissing, match="pg_dump was not found in CITYOPS_PG_BINDIR"):
        backup_create(out=out)
    fake_tool(tmp_path / "bin", "pg_dump", "11.22")
    with pytest.raises(ToolMissing, match=r"pg_dump 15 or newer is needed to back up a PostgreSQL 15 server"):
        backup_create(out=out)

    assert os.listdir(out) == []  # no archive, no .partial, no staging directory
    assert not AuditRecord.objects.filter(action="backup.create").exists()


@pytest.mark.django_db(transaction=True)
def test_the_commands_back_up_prune_check_and_refuse(users, media, tmp_path, settings):
    (media / "cases").mkdir()
    (media / "cases" / "a.jpg").write_bytes(b"\xff\xd8 a photo")
    folder = tmp_path / "archives"
    folder.mkdir()

    made = []
    for _ in range(3):
        out = _run("backup", "--out", str(folder), "--keep", "2")
        made.append(max(folder.iterdir(), key=lambda p: p.stat().st_mtime))
    archives = sorted(folder.iterdir())

    assert archives == sorted(
        made[1:]
    )  # the oldest went and all(p.name.startswith("cityops-") for p in archives)
    assert "media: 1 files, 10 bytes" in out and "Backed up into" in out
    assert "Keys are not in the archive: keep SECRET_KEY" in out
    pruned = AuditRecord.objects.filter(action="backup.prune").first()
    assert pruned is not None and pruned.after["kept"] == 2
    assert AuditRecord.objects.filter(action="backup.create").count() == 3

    checked = _run("restore", "--check", str(archives[0]))
    assert f"{archives[0]} is sound: 2 members match their checksums" in checked
    assert "sealed under a key" not in checked
    settings.CITYOPS_SEAL_KEY = (
        "the-key-of-an-off-site-host-without-ours"  # a check there says what a restore needs
    )
    checked = _run("restore", "--check", str(archives[0]))
    assert "sealed under a key this cityops does not have" in checked and " is sound: " in checked

    broken = tmp_path / "broken.tar"
    broken.write_bytes(archives[0].read_bytes()[:3000])
    with pytest.raises(CommandError, match="is damaged or truncated|ends before its manifest"):
        call_command("restore", str(broken), "--force")
    with pytest.raises(CommandError, match="--keep takes a number of archives"):
        call_command("backup", "--keep", "-1")
