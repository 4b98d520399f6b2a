"""Functional tests of the runtime (``templates/runtime``) through ``fixture_client``."""
