"""`python -m trekgen`."""

from trekgen.cli import main

main()
