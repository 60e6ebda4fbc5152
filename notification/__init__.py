"""The notification service: provider notifications into payment transactions."""
