"""Functional tests of the generated client and its runtime (``templates/runtime``):
``fixture_client``, generated from ``tests/specs/functional.yaml``."""
