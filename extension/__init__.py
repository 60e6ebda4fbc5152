"""The extension service: commercetools' API Extension for payments, and /openOrder."""
