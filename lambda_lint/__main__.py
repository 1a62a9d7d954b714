"""Allows `python -m lambda_lint`."""

import sys

from lambda_lint.cli import main

if __name__ == "__main__":
    sys.exit(main())
