"""The API fuzzed at length: tests/api/test_fuzz.py's test with many more examples per operation,
every finding counted instead of stopping at the first.

    python bench/fuzz.py [--examples 100] [--every-role] [-k <pytest expression>] [--show]

Runs on the database of DATABASE_URL (SQLite in memory when unset), as the test suite does. Prints
the operations and examples run, the requests sent, and the failures by kind and operation; exits 1
when there is any. Each example goes as one role in turn (every role meets every operation), or with
--every-role as each of them."""

import argparse
import os
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--examples", type=int, default=100, help="examples per operation (default 100)")
    parser.add_argument("-k", default="", help="only the operations matching this pytest expression")
    parser.add_argument("--every-role", action="store_true", help="send each example as every role")
    parser.add_argument("--show", action="store_true", help="print the first report of each failure")
    args = parser.parse_args()
    os.environ["CITYOPS_FUZZ_EXAMPLES"] = str(args.examples)
    os.environ["CITYOPS_FUZZ_COLLECT"] = "1"
    if args.every_role:
        os.environ["CITYOPS_FUZZ_EVERY_ROLE"] = "1"
    os.environ.setdefault("CITYOPS_VAR_DIR", str(ROOT / "var"))
    sys.path.insert(0, str(ROOT))
    os.chdir(ROOT)

    import pytest

    started = time.monotonic()
    argv = [
        "-p",
        "no:cacheprovider",
        "-q",
        "--no-header",
        "-o",
        "addopts=",
        "tests/api/test_fuzz.py::test_api_fuzz",
    ]
    code = pytest.main([*argv, "-k", args.k] if args.k else argv)
    elapsed = time.monotonic() - started

    from tests.api import test_fuzz

    db = os.environ.get("DATABASE_URL", "").split("://")[0] or "sqlite"
    with open("/proc/loadavg") as f:
        load = " ".join(f.read().split()[:3])
    print(
        f"\nfuzz of /api/v1/ on {db}: up to {args.examples} examples per operation and the coverage phase's"
    )
    print(f"  boundary cases; load average {load}")
    print(f"  operations        {len(test_fuzz.OPERATIONS)}")
    print(f"  pytest            exit code {int(code)}")
    print(f"  examples          {test_fuzz.TALLY['examples']}")
    sent_as = "each example as each" if args.every_role else "each example as one"
    print(
        f"  requests          {test_fuzz.TALLY['requests']} ({sent_as} of {len(test_fuzz.FUZZ_ROLES)} roles)"
    )
    print(f"  time              {elapsed:.0f} s")
    kinds = {}
    for (operation, kind), n in test_fuzz.FINDINGS.items():
        kinds.setdefault(kind, []).append((operation, n))
    print(f"  failures          {sum(test_fuzz.FINDINGS.values())}")
    for kind, where in sorted(kinds.items()):
        print(f"    {kind}: {sum(n for _, n in where)}")
        for operation, n in sorted(where):
            print(f"      {n:6d}  {operation}")
    if args.show:
        for (operation, kind), report in sorted(test_fuzz.FIRST.items()):
            print(f"\n--- {kind} on {operation}:\n{report[:3000]}")
    return 1 if test_fuzz.FINDINGS or code not in (0,) else 0


if __name__ == "__main__":
    sys.exit(main())
