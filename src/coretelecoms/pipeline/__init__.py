"""The pipeline definition (one step registry) and the local engine that runs it in-process."""
