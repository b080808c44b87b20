#!/usr/bin/env python3
"""Build the Guide to Important Academic Conferences: see README.md."""

import sys

from guide.cli import main

if __name__ == "__main__":
    sys.exit(main())
