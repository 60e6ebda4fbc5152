"""Registers the connector in a commercetools project: `python -m deploy setup`."""
