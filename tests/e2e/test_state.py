"""Provider state lives in commercetools custom objects, visible to every replica."""

from concurrent.futures import ThreadPoolExecutor

from connector.ctp import Commercetools
from connector.http import Deadline
from connector.providers import read_settings
from connector.state import CustomObjectState


def states(stack, count: int) -> list[CustomObjectState]:
    settings = read_settings(stack.env)
    return [CustomObjectState(Commercetools(settings.commercetools), "payment-connector-test") for _ in range(count)]


def test_of_concurrent_creations_the_first_wins_for_everyone(stack):
    replicas = states(stack, 6)
    with ThreadPoolExecutor(6) as pool:
        stored = list(pool.map(lambda n: replicas[n].create("payment-2", {"orderId": f"o-{n}"}, Deadline(5)), range(6)))
    assert len({record["orderId"] for record in stored}) == 1
    assert replicas[0].get("payment-2", Deadline(5)) == stored[0]
