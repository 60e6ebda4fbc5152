"""Code both services share: settings, the commercetools client, payments and actions,
and the payment providers."""
