"""Sealed secrets: they open with the key that sealed them, older keys still open after rotation,
and a value that does not open says so instead of returning garbage."""

import pytest
from django.test import override_settings

from cityops.core import sealed


def test_a_sealed_value_opens_and_does_not_show_the_secret():
    box = sealed.seal("admin:Passw0rd!")
    assert "Passw0rd" not in box
    assert sealed.unseal(box) == "admin:Passw0rd!"
    assert sealed.seal("") == "" and sealed.unseal("") == ""


def test_two_seals_of_one_secret_differ():
    assert sealed.seal("x") != sealed.seal("x")


def test_rotation_keeps_old_values_readable_and_reseal_moves_them_to_the_new_key():
    with override_settings(CITYOPS_SEAL_KEY="old-key-" + "o" * 32):
        box = sealed.seal("secret")
    with override_settings(CITYOPS_SEAL_KEY="new-key-" + "n" * 32 + ",old-key-" + "o" * 32):
        assert sealed.unseal(box) == "secret"
        moved = sealed.reseal(box)
    with override_settings(CITYOPS_SEAL_KEY="new-key-" + "n" * 32):
        assert sealed.unseal(moved) == "secret"
        with pytest.raises(sealed.SealBroken):
            sealed.unseal(box)


def test_a_damaged_value_is_refused():
    box = sealed.seal("secret")
    with pytest.raises(sealed.SealBroken):
        sealed.unseal(box[:-4] + "AAAA")
    with pytest.raises(sealed.SealBroken):
        sealed.unseal("not a token")
