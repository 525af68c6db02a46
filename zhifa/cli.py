"""The `zhifa` console script: manage.py under a shorter name.

`zhifa demo`, `zhifa verify`, `zhifa worker` and every Django command are available.
"""

import os
import sys


def main(argv: list[str] | None = None) -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "zhifa.settings")
    from django.core.management import execute_from_command_line

    argv = list(sys.argv if argv is None else argv)
    if argv:
        argv[0] = "zhifa"
    execute_from_command_line(argv)


if __name__ == "__main__":
    main()
