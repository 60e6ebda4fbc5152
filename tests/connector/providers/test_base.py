"""What every provider shares: the facts a provider parses into its events."""

import pytest

from connector.providers.base import Event, Interaction
from connector.providers.kustom.mapping import KustomFacts
from connector.providers.nexway.mapping import NexwayFacts


def test_an_event_gives_its_facts_only_as_the_provider_s_own_type():
    event = Event("p1", Interaction("kustom.push", {"order_id": "ord-1"}), facts=KustomFacts("ord-1"))
    assert event.facts_as(KustomFacts) == KustomFacts("ord-1")
    with pytest.raises(TypeError, match="KustomFacts, not NexwayFacts"):
        event.facts_as(NexwayFacts)
    with pytest.raises(TypeError, match="NoneType, not KustomFacts"):
        Event("p1", Interaction("kustom.push", {"order_id": "ord-1"})).facts_as(KustomFacts)
