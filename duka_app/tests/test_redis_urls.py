import pytest

from duka_app.redis_urls import next_database_url


@pytest.mark.parametrize(
    ("url", "cache_url"),
    [
        ("redis://127.0.0.1:6379/0", "redis://127.0.0.1:6379/1"),
        ("redis://127.0.0.1:6379/12", "redis://127.0.0.1:6379/13"),
        ("redis://redis:6379", "redis://redis:6379/1"),
        (
            "rediss://:secret@redis.example.com:6380/4?ssl_cert_reqs=none",
            "rediss://:secret@redis.example.com:6380/5?ssl_cert_reqs=none",
        ),
        ("redis://127.0.0.1:6379?db=2", "redis://127.0.0.1:6379?db=3"),
        ("unix:///run/redis.sock", "unix:///run/redis.sock?db=1"),
        ("unix:///run/redis.sock?db=5", "unix:///run/redis.sock?db=6"),
    ],
)
def test_the_cache_database_is_the_next_one_on_the_same_server(url, cache_url):
    assert next_database_url(url) == cache_url


def test_a_step_skips_that_many_databases():
    assert next_database_url("redis://127.0.0.1:6379/0", step=4) == "redis://127.0.0.1:6379/4"
    assert next_database_url("unix:///run/redis.sock?db=1", step=2) == "unix:///run/redis.sock?db=3"
