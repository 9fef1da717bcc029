import pytest


@pytest.fixture(autouse=True)
def _small_demo_history(settings):
    """Demo seeds in tests write a few hundred cases and two days of patrols; the full year is benchmarked."""
    settings.CITYOPS_DEMO_HISTORY_CASES = 300
    settings.CITYOPS_DEMO_PATROL_DAYS = 2
    settings.CITYOPS_DEMO_DATA_RECORDS = 2_400
    settings.CITYOPS_DEMO_APPLICATIONS = 12
