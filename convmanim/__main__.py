"""Run the command line: ``python -m convmanim``."""

from .cli import main

main()
