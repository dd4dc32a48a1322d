"""Argo orchestration: the workflows built from the step registry, rendered, applied, submitted and alerted on.

Only `commands` is imported by the CLI at start-up; hera and kubernetes are imported inside the functions
that need them, so the base image (no `workflows` extra) can still run `workflows notify` and `workflows dates`.
"""
