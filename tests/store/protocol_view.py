"""A store seen only through ``StoreProtocol``: each protocol method delegates to a real store,
and nothing else is there (code that reaches past the protocol fails with AttributeError)."""

from __future__ import annotations

from contextlib import contextmanager

from riskmodel.store import StoreProtocol


def protocol_members() -> list[str]:
    return sorted(n for n in vars(StoreProtocol) if not n.startswith("_"))


class ProtocolView:
    """Delegates exactly the protocol's methods to ``inner`` and records which were called."""

    __slots__ = ("_inner", "called")

    def __init__(self, inner: StoreProtocol):
        self._inner = inner
        self.called: list[str] = []

    @contextmanager
    def transaction(self):
        self.called.append("transaction")
        with self._inner.transaction():
            yield self


def _delegate(name: str):
    def method(self, *args, **kwargs):
        self.called.append(name)
        return getattr(self._inner, name)(*args, **kwargs)

    method.__name__ = name
    return method


for _name in protocol_members():
    if _name != "transaction":
        setattr(ProtocolView, _name, _delegate(_name))
