"""The project's documents that follow from its code (python -m docs)."""
