#!/usr/bin/env python3
"""Runs lab 02's visible tests against your allocator.py, with nothing but Python 3.10+.

    python3 check.py              # tests starter/allocator.py
    python3 check.py path/to/dir  # tests path/to/dir/allocator.py
    python3 check.py -k NEXT      # only the tests whose name contains NEXT

The grade comes from `osgrid lab grade` (visible and hidden tests, in a
sandbox); the visible tests here are the same ones.
"""

import pathlib
import sys

HERE = pathlib.Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent / "common"))

import osgrid_lab  # noqa: E402

if __name__ == "__main__":
    sys.exit(osgrid_lab.main(HERE, "allocator.py"))
