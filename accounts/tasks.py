from celery import shared_task

from accounts import emails


@shared_task(
    name="accounts.tasks.password_reset_email_send",
    autoretry_for=(OSError,),
    retry_backoff=30,
    retry_jitter=True,
    max_retries=3,
)
def password_reset_email_send(email: str) -> int:
    return emails.password_reset_email_send(email=email)


@shared_task(
    name="accounts.tasks.email_verification_send",
    autoretry_for=(OSError,),
    retry_backoff=30,
    retry_jitter=True,
    max_retries=3,
)
def email_verification_send(user_id: int) -> bool:
    return emails.email_verification_send(user_id=user_id)
