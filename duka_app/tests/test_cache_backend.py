import pytest
from django.conf import settings
from django.core.cache import cache

from core.tests.concurrency import run_concurrently

requires_redis = pytest.mark.skipif(not settings.REDIS_URL, reason="needs REDIS_URL (a real Redis server)")


@requires_redis
def test_cache_calls_share_one_redis_client_per_connection_pool():
    client = cache._cache.get_client(write=True)

    assert cache._cache.get_client(write=True) is client
    assert cache._cache.get_client(write=False) is client  # one server: reads and writes share its pool


@requires_redis
def test_threads_sharing_the_client_each_read_their_own_values():
    def write_then_read(index: int):
        def call():
            for round_number in range(50):
                cache.set(f"shared-client-{index}", (index, round_number))
                assert cache.get(f"shared-client-{index}") == (index, round_number)
            return cache.get_many([f"shared-client-{index}", "shared-client-missing"])

        return call

    results = run_concurrently(*(write_then_read(index) for index in range(8)))

    assert results == [{f"shared-client-{index}": (index, 49)} for index in range(8)]
