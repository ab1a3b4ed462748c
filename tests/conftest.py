"""Shared pytest setup: hypothesis profiles for local runs and CI."""

import os

from hypothesis import HealthCheck, settings

# Machines here are noisy: no per-example deadline. CI draws more examples.
settings.register_profile("default", deadline=None, max_examples=60)
settings.register_profile(
    "ci", deadline=None, max_examples=200, suppress_health_check=[HealthCheck.too_slow]
)
settings.load_profile("ci" if os.environ.get("CI") else "default")
