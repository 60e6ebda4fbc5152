"""Provider state lives in commercetools custom objects, visible to every replica."""
from connector.ctp import Commercetools
from connector.settings import Settings
from connector.state import CustomObjectState


def test_records_survive_across_clients(stack):
    settings = Settings.from_env(stack.env)
    writer = CustomObjectState(Commercetools(settings.commercetools), "payment-connector-test")
    reader = CustomObjectState(Commercetools(settings.commercetools), "payment-connector-test")
    assert reader.get("payment-1") is None
    writer.put("payment-1", {"orderId": "o-1"})
    writer.put("payment-1", {"orderId": "o-1", "sessionId": "s-1"})
    assert reader.get("payment-1") == {"orderId": "o-1", "sessionId": "s-1"}
