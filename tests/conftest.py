"""Shared test configuration: hypothesis profiles and grad-mode hygiene.

Profiles are chosen by the HYPOTHESIS_PROFILE environment variable:
  ci (default)  fixed, small max_examples, derandomized, no deadline: fast and repeatable
  dev           more examples, random seeds
  thorough      many examples, for a long local run
"""
import os

import pytest
from hypothesis import HealthCheck, settings

_COMMON = dict(deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
settings.register_profile("ci", max_examples=20, derandomize=True, print_blob=True, **_COMMON)
settings.register_profile("dev", max_examples=100, **_COMMON)
settings.register_profile("thorough", max_examples=1000, **_COMMON)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci"))


@pytest.fixture(autouse=True)
def _grad_mode_is_restored():
    """Fail any test that leaves autograd switched off (a leaked no_grad would poison later tests)."""
    from tinygrad_rnn import is_grad_enabled

    assert is_grad_enabled(), "grad mode was already off when the test started"
    yield
    assert is_grad_enabled(), "the test left grad mode switched off"
