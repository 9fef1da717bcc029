"""The simulated analytics name a kitchen kind only on a canteen's camera and a street kind elsewhere."""

from cityops.video import simulator
from cityops.video.alerts import alert_kinds_seed


def test_alert_candidates_match_the_kind_to_the_camera(video_channels):
    alert_kinds_seed()
    pairs = simulator.alert_candidates()
    kitchen = {video_channels["cook"].gb_id, video_channels["cold"].gb_id}
    assert {k for g, k in pairs if g in kitchen} == {
        "no_hat", "no_mask", "no_workwear", "smoking", "phone", "rodent", "flame_unattended"
    }  # fmt: skip
    assert {k for g, k in pairs if g not in kitchen} == {"illegal_parking", "street_vending", "bin_overflow"}
    assert video_channels["g8"].gb_id not in {g for g, _ in pairs}  # planned: not in service
