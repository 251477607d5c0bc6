"""The back office in a real headless Chromium: a manager logs in, finds a paid order on the dashboard and ships it
from the order page; the customer then sees the shipment through the API. Every page loads without a console error
or a failed request, and fits a 390 px wide phone screen. Offline: Debian's chromium and chromedriver, local assets.
It also writes the dashboard's screenshot for the README (docs/screenshots/backoffice-dashboard.png)."""

import json
from datetime import timedelta
from pathlib import Path

import pytest
import requests
from django.conf import settings
from django.utils import timezone

from accounts.tests.factories import DEFAULT_PASSWORD
from core.models import RequestLogDaily
from duka_app.tests.browser import BROWSER_TEST, WAIT_SECONDS, chromium
from store.models import Order, RestockOrder, RestockOrderLine
from store.tests.factories import ProductFactory
from store.tests.shopping import pay, place_order

SCREENSHOT = Path(settings.BASE_DIR) / "docs" / "screenshots" / "backoffice-dashboard.png"
PHONE_WIDTH = 390

pytestmark = BROWSER_TEST


@pytest.fixture
def browser():
    # The console and the network log, to find errors and failed requests.
    with chromium(window_size="1400,1000", logging={"browser": "ALL", "performance": "ALL"}) as driver:
        # Chromium's own start page (Debian's points at a search engine, unreachable offline) is not the store's.
        driver.get("about:blank")
        problems_since_last_check(driver)
        yield driver


def problems_since_last_check(browser) -> list[str]:
    """Console errors, and requests that failed or answered 4xx/5xx, since the logs were last read."""
    found = [entry["message"] for entry in browser.get_log("browser") if entry["level"] == "SEVERE"]
    urls = {}
    for entry in browser.get_log("performance"):
        message = json.loads(entry["message"])["message"]
        params = message["params"]
        if message["method"] == "Network.requestWillBeSent":
            urls[params["requestId"]] = params["request"]["url"]
        elif message["method"] == "Network.responseReceived" and params["response"]["status"] >= 400:
            found.append(f"{params['response']['status']} {params['response']['url']}")
        elif message["method"] == "Network.loadingFailed" and not params.get("canceled"):
            found.append(f"{params['errorText']} {urls.get(params['requestId'], '?')}")
    return found


def given_a_month_of_sales(customer, product) -> None:
    """Orders delivered on earlier days, so the dashboard's charts have a history (and its screenshot too)."""
    now = timezone.now()
    for days_ago in (2, 3, 5, 8, 9, 12, 15, 16, 20, 23, 27):
        past = pay(place_order(customer, (product, 1 + days_ago % 3)))
        Order.objects.filter(pk=past.pk).update(
            status=Order.Status.DELIVERED, created_at=now - timedelta(days=days_ago)
        )


def widths_at_phone_size(browser) -> dict:
    """The window's width, and the page's scrolled and visible widths (less a scrollbar), on a phone's screen."""
    browser.execute_cdp_cmd(
        "Emulation.setDeviceMetricsOverride",
        {"width": PHONE_WIDTH, "height": 844, "deviceScaleFactor": 2, "mobile": True},
    )
    try:
        return browser.execute_script(
            "const page = document.documentElement;"
            "return {window: window.innerWidth, scroll: page.scrollWidth, visible: page.clientWidth}"
        )
    finally:
        browser.execute_cdp_cmd("Emulation.clearDeviceMetricsOverride", {})


def test_a_manager_ships_a_paid_order_from_the_back_office(browser, live_server, manager, customer, jobs_run_inline):
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support import expected_conditions as condition
    from selenium.webdriver.support.ui import WebDriverWait

    kettle = ProductFactory(name="Kettle", price="750.00", discount_price=None, stock=100)
    cups = ProductFactory(name="Espresso cups", price="90.00", discount_price=None, stock=2)
    given_a_month_of_sales(customer, kettle)
    order = pay(place_order(customer, (kettle, 2)))
    place_order(customer, (kettle, 1))
    restock = RestockOrder.objects.create(supplier_name="Jikoni Supplies")
    RestockOrderLine.objects.create(restock_order=restock, product=cups, quantity_ordered=24)
    for ip, country, count in (("203.0.113.9", "KE", 1200), ("198.51.100.4", "TZ", 310), ("192.0.2.77", "UG", 95)):
        RequestLogDaily.objects.create(day=order.created_at.date(), ip=ip, country=country, request_count=count)
    wait = WebDriverWait(browser, WAIT_SECONDS)

    browser.get(f"{live_server.url}/admin/login/?next=/admin/")
    browser.find_element(By.NAME, "username").send_keys(manager.username)
    browser.find_element(By.NAME, "password").send_keys(DEFAULT_PASSWORD)
    browser.find_element(By.CSS_SELECTOR, "form button[type=submit]").click()

    # The dashboard lists the paid order among those to ship.
    order_link = wait.until(
        condition.element_to_be_clickable((By.CSS_SELECTOR, f'#to-ship a[href$="/{order.pk}/change/"]'))
    )
    assert browser.execute_script("return document.querySelectorAll('canvas.chart').length") == 2
    dashboard_bottom = browser.execute_script(
        "return document.getElementById('dashboard').getBoundingClientRect().bottom"
    )
    browser.set_window_size(1400, int(dashboard_bottom) + 220)
    SCREENSHOT.parent.mkdir(parents=True, exist_ok=True)
    browser.save_screenshot(str(SCREENSHOT))
    assert problems_since_last_check(browser) == []
    widths = widths_at_phone_size(browser)
    assert widths["window"] == PHONE_WIDTH and widths["scroll"] <= widths["visible"], widths
    browser.set_window_size(1400, 1000)

    # The order page: its ship form, then the timeline with the shipment.
    order_link = wait.until(
        condition.element_to_be_clickable((By.CSS_SELECTOR, f'#to-ship a[href$="/{order.pk}/change/"]'))
    )
    order_link.click()
    ship_form = wait.until(condition.presence_of_element_located((By.ID, "ship-form")))
    ship_form.find_element(By.NAME, "carrier").send_keys("g4s")
    ship_form.find_element(By.NAME, "tracking_number").send_keys("G4S-7781")
    ship_form.find_element(By.CSS_SELECTOR, "button[type=submit]").click()
    wait.until(
        condition.presence_of_element_located((By.CSS_SELECTOR, '#order-timeline [data-kind="shipment_created"]'))
    )
    assert browser.find_element(By.ID, "order-status").text == "Shipped"
    assert problems_since_last_check(browser) == []
    widths = widths_at_phone_size(browser)
    assert widths["window"] == PHONE_WIDTH and widths["scroll"] <= widths["visible"], widths

    order.refresh_from_db()
    assert order.status == Order.Status.SHIPPED
    tokens = requests.post(
        f"{live_server.url}/api/auth/token/",
        json={"username": customer.username, "password": DEFAULT_PASSWORD},
        timeout=10,
    ).json()
    shipments = requests.get(
        f"{live_server.url}/api/orders/{order.pk}/shipments/",
        headers={"Authorization": f"Bearer {tokens['access']}"},
        timeout=10,
    )
    assert shipments.status_code == 200
    [shipment] = shipments.json()["results"] if "results" in shipments.json() else shipments.json()
    assert (shipment["carrier"], shipment["tracking_number"], shipment["status"]) == ("g4s", "G4S-7781", "ready")
    assert [event["status"] for event in shipment["events"]] == ["ready"]
