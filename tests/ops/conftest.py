from tests.cases.conftest import catalogue  # noqa: F401 - the small town with its catalogue and workstations
