"""Moved to ``tests/functional/server.py``.

Kept only so that the generator's tests that still import ``fault_server``
(test_features.py, test_runtime_config.py) are collected until they move; the
whole suite stops at one module that fails to import. Delete with them.
"""

from functional.server import *  # noqa: F403
from functional.server import __all__ as __all__
