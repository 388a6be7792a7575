"""The embedded xAPI Learning Record Store (xAPI 1.0.3 and 2.0.0), served at ``/xapi/``."""

from xapi.lrs.blueprint import init_lrs
from xapi.lrs.context import LrsConfig

__all__ = ["LrsConfig", "init_lrs"]
