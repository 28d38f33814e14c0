"""Run the command line: ``python -m convmanim``."""

from ._entry import main

main()
