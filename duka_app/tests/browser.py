"""Debian's Chromium driven by Selenium, for the browser tests (Swagger UI, the back office, the storefront).

Offline: the browser and its driver come from Debian (`.ci/run` installs them when missing as root), and the tests
skip with a reason without them."""

import shutil
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

CHROMIUM = Path("/usr/bin/chromium")
CHROMEDRIVER = Path("/usr/bin/chromedriver")
WAIT_SECONDS = 30

# A browser test module's `pytestmark`.
BROWSER_TEST = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(
        not (CHROMIUM.exists() and CHROMEDRIVER.exists()),
        reason="needs Debian's chromium and chromium-driver (apt-get install chromium chromium-driver)",
    ),
]


@contextmanager
def chromium(*, window_size: str, flags: tuple[str, ...] = (), logging: dict | None = None) -> Iterator:
    """A headless Chromium with a profile of its own, removed afterwards. `logging` is `goog:loggingPrefs`
    (e.g. {"browser": "ALL"} to read the console)."""
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    profile_dir = tempfile.mkdtemp(prefix="duka-chromium-")
    options = webdriver.ChromeOptions()
    options.binary_location = str(CHROMIUM)
    for flag in (
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-dev-shm-usage",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--no-first-run",
        f"--window-size={window_size}",
        f"--user-data-dir={profile_dir}",
        *flags,
    ):
        options.add_argument(flag)
    if logging:
        options.set_capability("goog:loggingPrefs", logging)
    # An explicit driver and browser keep Selenium Manager from looking for (or downloading) either.
    driver = webdriver.Chrome(service=Service(str(CHROMEDRIVER)), options=options)
    try:
        yield driver
    finally:
        driver.quit()
        shutil.rmtree(profile_dir, ignore_errors=True)
