from celery import shared_task
from celery.signals import worker_ready

from duka_app.ops.heartbeat import worker_heartbeat_record


# Named as when the heartbeat lived in core: beat schedules and monitors already call it by this name.
@shared_task(name="core.tasks.heartbeat")
def heartbeat() -> None:
    worker_heartbeat_record()


@worker_ready.connect
def heartbeat_on_worker_start(**kwargs) -> None:
    """A worker that just started is reported alive at once, not at beat's first heartbeat a minute later."""
    worker_heartbeat_record()
