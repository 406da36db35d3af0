"""The weekly run takes any ``StoreProtocol`` as it is, and opens and migrates a ``Store`` from a URL."""

from __future__ import annotations

from tests.store.protocol_view import ProtocolView

from riskmodel.monitoring.weekly import _store
from riskmodel.store import Store


def test_a_store_given_is_used_as_it_is_and_a_url_is_opened_and_migrated(tmp_path):
    real = Store(f"sqlite:///{tmp_path / 'a.db'}")
    view = ProtocolView(real)
    assert _store(view) is view and _store(real) is real and _store(None) is None
    opened = _store(f"sqlite:///{tmp_path / 'b.db'}")
    assert isinstance(opened, Store) and opened.revision() is not None  # migrated
    assert opened.risk_list_weeks() == []
    opened.dispose()
    real.dispose()
