"""`python -m opsbook`."""

from opsbook.cli import main

main()
