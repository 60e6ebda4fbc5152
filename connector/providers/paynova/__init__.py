"""Paynova: order and payment session from the extension, digest-checked event hook notifications."""
