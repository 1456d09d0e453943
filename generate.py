#!/usr/bin/env python3
"""Thin entry point: `python generate.py render|build|check ...` (same as `handoutgen`)."""

from handoutgen.cli import main

if __name__ == "__main__":
    main()
