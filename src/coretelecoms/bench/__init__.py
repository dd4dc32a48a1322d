"""Benchmarks of the platform (`python -m coretelecoms.bench SUBCOMMAND`): one module per benchmark."""
