"""Reusable test helpers: the contract every backend must honour (`BackendContract`)."""

from ._contract import BackendContract

__all__ = ["BackendContract"]
