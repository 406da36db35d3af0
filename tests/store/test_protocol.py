"""``StoreProtocol`` is what the jobs, the API and the pages call, and ``Store`` implements it exactly."""

from __future__ import annotations

import ast
import inspect
from pathlib import Path

import pytest
from tests.store.protocol_view import ProtocolView, protocol_members

from riskmodel.store import Store, StoreProtocol

SRC = Path(__file__).resolve().parents[2] / "src" / "riskmodel"
#: Packages above the store that must see it only through the protocol.
CALLERS = ("serving", "web", "monitoring")


@pytest.fixture
def store(tmp_path):
    s = Store(f"sqlite:///{tmp_path / 'p.db'}")
    yield s
    s.dispose()


def _params(fn) -> list[tuple[str, object, object]]:
    sig = inspect.signature(inspect.unwrap(fn))
    return [(p.name, p.kind, p.default) for p in sig.parameters.values()]


@pytest.mark.parametrize("name", protocol_members())
def test_store_has_each_protocol_method_with_the_same_parameters(name):
    assert _params(getattr(Store, name)) == _params(getattr(StoreProtocol, name)), name


def test_the_sqlalchemy_store_and_a_protocol_only_fake_are_stores_and_a_partial_one_is_not(store):
    assert isinstance(store, StoreProtocol)
    view = ProtocolView(store)
    assert isinstance(view, StoreProtocol)

    class Partial(ProtocolView):
        __slots__ = ()
        visits = None  # a fake that lost one method

    assert not isinstance(Partial(store), StoreProtocol)


def _store_calls(path: Path) -> set[str]:
    """Attributes read on names and attributes called ``store`` (``store.x``, ``loaded.store.x``, ``state.store.x``)."""
    found = set()
    for node in ast.walk(ast.parse(path.read_text("utf-8"))):
        if isinstance(node, ast.Attribute):
            base = node.value
            name = base.id if isinstance(base, ast.Name) else base.attr if isinstance(base, ast.Attribute) else None
            if name == "store":
                found.add(node.attr)
    return found


def test_every_store_method_the_jobs_api_and_pages_call_is_in_the_protocol():
    called = {}
    for pkg in CALLERS:
        for path in (SRC / pkg).rglob("*.py"):
            for attr in _store_calls(path):
                called.setdefault(attr, []).append(str(path.relative_to(SRC)))
    assert called, "the scan found no store calls: it is broken"
    outside = {a: where for a, where in called.items() if a not in protocol_members()}
    assert not outside, f"store methods called outside StoreProtocol: {outside}"
