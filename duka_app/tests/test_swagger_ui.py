"""Swagger UI at /api/docs/ in a real headless Chromium: the operations render, "Authorize" takes a JWT,
and "Try it out" makes an authenticated call. Offline: Debian's chromium and chromedriver, local assets."""

import pytest
import requests
from django.conf import settings

from accounts.tests.factories import DEFAULT_PASSWORD, UserFactory
from duka_app.tests.browser import BROWSER_TEST, WAIT_SECONDS, chromium

pytestmark = BROWSER_TEST


@pytest.fixture
def browser():
    with chromium(window_size="1400,1000") as driver:
        yield driver


def test_swagger_ui_lists_operations_and_makes_an_authorized_call(browser, live_server):
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support import expected_conditions as condition
    from selenium.webdriver.support.ui import WebDriverWait

    user = UserFactory(username="swagger-user")
    tokens = requests.post(
        f"{live_server.url}/api/auth/token/",
        json={"username": user.username, "password": DEFAULT_PASSWORD},
        timeout=10,
    ).json()
    wait = WebDriverWait(browser, WAIT_SECONDS)

    browser.get(f"{live_server.url}/api/docs/")

    # Every tag is listed, collapsed; opening one lists its operations.
    tags = wait.until(condition.presence_of_all_elements_located((By.CSS_SELECTOR, ".opblock-tag-section")))
    assert len(tags) == len(settings.SPECTACULAR_SETTINGS["TAGS"])
    for tag in ("auth", "profile"):
        browser.find_element(By.ID, f"operations-tag-{tag}").click()
    operation = wait.until(condition.presence_of_element_located((By.ID, "operations-profile-profile_retrieve")))
    operation_ids = {element.get_attribute("id") for element in browser.find_elements(By.CSS_SELECTOR, ".opblock")}
    assert {"operations-auth-auth_token_obtain", "operations-auth-auth_register"} <= operation_ids

    browser.find_element(By.CSS_SELECTOR, ".auth-wrapper button.authorize").click()
    token_input = wait.until(condition.visibility_of_element_located((By.CSS_SELECTOR, ".modal-ux input")))
    token_input.send_keys(tokens["access"])
    browser.find_element(By.CSS_SELECTOR, ".modal-ux .auth-btn-wrapper button.authorize").click()
    wait.until(condition.element_to_be_clickable((By.CSS_SELECTOR, ".modal-ux button.btn-done"))).click()

    operation.find_element(By.CSS_SELECTOR, ".opblock-summary-control").click()
    wait.until(
        condition.element_to_be_clickable((By.CSS_SELECTOR, "#operations-profile-profile_retrieve .try-out__btn"))
    ).click()
    wait.until(
        condition.element_to_be_clickable((By.CSS_SELECTOR, "#operations-profile-profile_retrieve .execute"))
    ).click()

    status_cell = (
        By.CSS_SELECTOR,
        "#operations-profile-profile_retrieve .live-responses-table tr.response .response-col_status",
    )
    wait.until(condition.presence_of_element_located(status_cell))
    assert browser.find_element(*status_cell).text.strip() == "200"
    body = browser.find_element(
        By.CSS_SELECTOR, "#operations-profile-profile_retrieve .live-responses-table .microlight"
    )
    assert '"username": "swagger-user"' in body.text
