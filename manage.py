#!/usr/bin/env python
"""Django's command-line utility; `zhifa` (zhifa/cli.py) is the same thing installed as a console script."""
from zhifa.cli import main

if __name__ == "__main__":
    main()
