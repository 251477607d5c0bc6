"""Redis databases of its own for each pytest-xdist worker, loaded with `-p` before Django reads its settings.

Tests flush the cache and delete the request log buffer; two workers sharing a database would erase each
other's state mid-test. Worker gwN moves REDIS_URL (and REDIS_CACHE_URL, when it is set) 2 × (N + 1)
databases up: with the default `…/0`, gw0 uses databases 2 and 3, gw1 4 and 5.
"""

import os

from duka_app.redis_urls import next_database_url

worker = os.environ.get("PYTEST_XDIST_WORKER")
if worker:
    step = 2 * (int(worker.removeprefix("gw")) + 1)
    for name in ("REDIS_URL", "REDIS_CACHE_URL"):
        if os.environ.get(name):
            os.environ[name] = next_database_url(os.environ[name], step=step)
