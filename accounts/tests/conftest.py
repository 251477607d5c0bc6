import pytest

from duka_app.celery import app as celery_app


@pytest.fixture(autouse=True)
def jobs_run_inline(monkeypatch):
    """Jobs enqueued after a commit (the account emails) run in the test's process, as without a broker."""
    monkeypatch.setitem(celery_app.conf, "task_always_eager", True)


@pytest.fixture
def committed(django_capture_on_commit_callbacks):
    """`with committed(): ...` runs what the block's transactions left for after their commit (the emails)."""
    return lambda: django_capture_on_commit_callbacks(execute=True)
