"""`python -m coretelecoms` runs the CLI."""

from coretelecoms.cli import main

main()
