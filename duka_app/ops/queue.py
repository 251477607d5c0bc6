"""Enqueueing jobs from the request path: after the transaction commits, and never failing the caller.

The broker's socket timeouts (duka_app/celery.py) bound the wait on a dead or black-holed Redis to about two
seconds; here a broker fault becomes a log line instead of an error, so the request that enqueued still succeeds.
"""

import logging
from functools import partial

from celery import Task
from django.db import transaction

logger = logging.getLogger(__name__)


def enqueue(task: Task, *args, **kwargs) -> bool:
    """Send `task` now. Returns False, and logs, when the broker cannot take it."""
    try:
        task.apply_async(args=args, kwargs=kwargs)
    except Exception:
        # Any broker or transport fault (kombu, redis-py, sockets): the caller's work is done and must not fail.
        logger.exception("Could not enqueue %s; the job will run on its next schedule or retry.", task.name)
        return False
    return True


def enqueue_on_commit(task: Task, *args, **kwargs) -> None:
    """Send `task` once the current transaction commits (at once outside a transaction), so the job sees the
    committed rows and a rolled-back request enqueues nothing."""
    transaction.on_commit(partial(enqueue, task, *args, **kwargs))
