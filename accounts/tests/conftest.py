import pytest


@pytest.fixture(autouse=True)
def _account_emails_sent_inline(jobs_run_inline):
    """The account emails are jobs: here they run in the test's process."""
