import os

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


@requires_redis
def test_get_many_answers_what_was_set_and_leaves_out_what_was_not():
    cache.set_many({"many-text": "value", "many-number": 7, "many-none": None, "many-object": {"a": [1, 2]}})

    found = cache.get_many(["many-text", "many-number", "many-none", "many-object", "many-missing"])

    assert found == {"many-text": "value", "many-number": 7, "many-none": None, "many-object": {"a": [1, 2]}}
    assert cache.get_many([]) == {}


@requires_redis
def test_get_many_reconnects_when_redis_dropped_its_connection(caplog):
    cache.set("reconnect", "before")
    assert cache.get_many(["reconnect"]) == {"reconnect": "before"}
    read_connection = cache._cache._reader.connection
    read_connection.send_command("CLIENT", "ID")
    cache._cache.get_client(write=True).client_kill_filter(_id=read_connection.read_response())
    cache.set("reconnect", "after")

    assert cache.get_many(["reconnect"]) == {"reconnect": "after"}
    assert "Cache unavailable" not in caplog.text  # retried on a new connection, not failed open


@requires_redis
def test_a_forked_process_reads_on_a_connection_of_its_own():
    cache.set("forked", "parent")
    assert cache.get_many(["forked"]) == {"forked": "parent"}
    reader, writer = os.pipe()
    child = os.fork()
    if child == 0:  # the child: many reads, each must get its own answer, on a connection the child made
        try:
            answers = {repr(cache.get_many(["forked", f"child-{index}"])) for index in range(200)}
            made_here = cache._cache._reader.connection.pid == os.getpid()
            os.write(writer, repr((sorted(answers), made_here)).encode())
        finally:
            os._exit(0)
    os.close(writer)
    parent_answers = {repr(cache.get_many(["forked"])) for _ in range(200)}
    os.waitpid(child, 0)
    with os.fdopen(reader) as pipe:
        child_report = pipe.read()

    assert parent_answers == {"{'forked': 'parent'}"}
    assert child_report == repr((["{'forked': 'parent'}"], True))
