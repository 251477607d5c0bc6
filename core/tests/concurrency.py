import threading
import time
from collections.abc import Callable

from django.db import connection


def run_concurrently(*calls: Callable[[], object]) -> list[object]:
    """Start every call on its own thread at the same moment; return their results in order.

    Each thread closes its own database connection. An exception in any thread (a 500 re-raised by the
    test client, a deadlock) is raised once all have finished."""
    barrier = threading.Barrier(len(calls))
    results: list[object] = [None] * len(calls)

    def run(index: int, call: Callable[[], object]) -> None:
        try:
            barrier.wait()
            results[index] = call()
        except Exception as error:
            results[index] = error
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(index, call)) for index, call in enumerate(calls)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    errors = [result for result in results if isinstance(result, Exception)]
    if errors:
        raise errors[0]
    return results


def backends_blocked_by(pid: int) -> list[int]:
    """Database sessions waiting on a lock held by session `pid`: lets a test hold a session mid-statement."""
    with connection.cursor() as cursor:
        # Inside a transaction PostgreSQL keeps showing the activity it read first, unless told to read it again.
        cursor.execute("SELECT pg_stat_clear_snapshot()")
        cursor.execute("SELECT pid FROM pg_stat_activity WHERE %s = ANY(pg_blocking_pids(pid))", [pid])
        return [row[0] for row in cursor.fetchall()]


def start_blocked_by_this_session(target: Callable[[], object], what: str) -> threading.Thread:
    """Start `target` in a thread and wait until it waits on a lock held by this test's own session."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        [[own_pid]] = cursor.fetchall()
    thread = threading.Thread(target=target)
    thread.start()
    deadline = time.monotonic() + 60  # only keeps a regression from hanging the suite
    while not backends_blocked_by(own_pid) and time.monotonic() < deadline:
        time.sleep(0.02)
    assert backends_blocked_by(own_pid), f"{what} never reached the rows this session holds"
    return thread
