"""The reference storefront at /shop/ in a real headless Chromium at phone width (390 px), against a live server
and the public API: a guest shops, registers (the cart comes along), checks out, pays and follows the shipment;
an expired access token is refreshed without losing the cart. Every page visited is checked: no console
errors, no failed API request, no horizontal overflow, every form field labelled. Screenshots go to
docs/screenshots/."""

import base64
import json
import time
from datetime import timedelta
from decimal import Decimal
from io import BytesIO
from pathlib import Path

import pytest
import requests
from django.conf import settings as django_settings
from PIL import Image

from accounts.tests.factories import DEFAULT_PASSWORD, UserFactory
from duka_app.tests.browser import BROWSER_TEST, WAIT_SECONDS, chromium
from pricing.models import ShippingMethod, ShippingZone
from store.jobs import product_image_renditions_make
from store.models import Cart, Order, Product
from store.services.attributes import attribute_create, attribute_value_create, product_attributes_set
from store.services.images import product_image_add
from store.services.reviews import review_create
from store.tests.factories import CategoryFactory, OrderFactory, OrderItemFactory, ProductFactory

PHONE_WIDTH, PHONE_HEIGHT = 390, 844
SCREENSHOTS = Path(django_settings.BASE_DIR) / "docs" / "screenshots"
FIRST_PAGE_BUDGET_BYTES = 300 * 1024

pytestmark = BROWSER_TEST


def phone_screen(driver, height: int) -> None:
    """A phone's screen, PHONE_WIDTH wide (a desktop window cannot be made that narrow)."""
    driver.execute_cdp_cmd(
        "Emulation.setDeviceMetricsOverride",
        {"width": PHONE_WIDTH, "height": height, "deviceScaleFactor": 1, "mobile": True},
    )


@pytest.fixture
def browser():
    with chromium(window_size="800,900", flags=("--hide-scrollbars",), logging={"browser": "ALL"}) as driver:
        phone_screen(driver, PHONE_HEIGHT)
        yield driver


@pytest.fixture
def shop_urls(settings):
    """The live server also serves the stored product images (the project does only with DEBUG on) and a stand-in
    for Stripe.js."""
    settings.ROOT_URLCONF = "storefront.tests.urls"


def png(colour: str) -> BytesIO:
    picture = BytesIO()
    Image.new("RGB", (800, 600), colour).save(picture, format="PNG")
    picture.seek(0)
    return picture


def product_picture_add(product: Product, colour: str) -> None:
    picture = png(colour)
    image = product_image_add(product=product, file=picture, size=len(picture.getvalue()), alt_text=product.name)
    product_image_renditions_make(image_id=image.id)


@pytest.fixture
def catalog(shop_urls):
    """Shirts with a colour, kitchen things, 26 products in all (two pages), pictures on the newest, a review of
    the mug; a shipping zone for Kenya."""
    shirts, kitchen = CategoryFactory(name="Shirts", slug="shirts"), CategoryFactory(name="Kitchen", slug="kitchen")
    colour = attribute_create(name="Colour", categories=[shirts])
    for value in ("Red", "Blue"):
        attribute_value_create(attribute=colour, value=value)
    for number in range(22):
        ProductFactory(
            name=f"Kitchen towel {number + 1}",
            slug=f"kitchen-towel-{number + 1}",
            category=kitchen,
            price=Decimal("300.00") + number,
            stock=5,
            description="Cotton, 50 × 70 cm, washes at 60 °C. " * 3,
        )
    named = {
        "red-linen-shirt": ("Red linen shirt", shirts, "2400.00", "red", "#b03030"),
        "blue-cotton-shirt": ("Blue cotton shirt", shirts, "1800.00", "blue", "#3050b0"),
        "red-flannel-shirt": ("Red flannel shirt", shirts, "2900.00", "red", "#902020"),
    }
    for slug, (name, category, price, value, picture) in named.items():
        product = ProductFactory(
            name=name, slug=slug, category=category, price=Decimal(price), stock=12, description=f"A {name.lower()}."
        )
        product_attributes_set(product=product, values={"colour": value})
        product_picture_add(product, picture)
    mug = ProductFactory(
        name="Clay mug", slug="clay-mug", category=kitchen, price=Decimal("650.00"), stock=30, description="Hand made."
    )
    product_picture_add(mug, "#a0704a")
    reviewer = UserFactory(username="Njeri")
    OrderItemFactory(order=OrderFactory(user=reviewer, status=Order.Status.DELIVERED), product=mug)
    review_create(user=reviewer, product=mug, rating=4, title="Keeps tea hot", body="Heavy, and the glaze is lovely.")
    zone = ShippingZone.objects.create(name="East Africa", countries=["KE", "UG"])
    ShippingMethod.objects.create(zone=zone, name="Standard", price=Decimal("300.00"), days_min=2, days_max=5)


def wait_for(driver, css: str, text: str = ""):
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support import expected_conditions as condition
    from selenium.webdriver.support.ui import WebDriverWait

    locator = (By.CSS_SELECTOR, css)
    wait = WebDriverWait(driver, WAIT_SECONDS)
    if text:
        wait.until(condition.text_to_be_present_in_element(locator, text))
    return wait.until(condition.visibility_of_element_located(locator))


# The pictures in view have loaded (the ones below are lazy and load when scrolled to).
VISIBLE_IMAGES_LOADED = """return [...document.images]
  .filter((image) => image.getBoundingClientRect().top < innerHeight)
  .every((image) => image.complete && image.naturalWidth > 0)"""


def wait_until(driver, script: str) -> None:
    from selenium.webdriver.support.ui import WebDriverWait

    WebDriverWait(driver, WAIT_SECONDS).until(lambda driver: driver.execute_script(script))


def page_check(driver) -> None:
    """What every storefront page must be: no console errors, no failed request, nothing wider than the screen,
    every form field labelled."""
    errors = [entry["message"] for entry in driver.get_log("browser") if entry["level"] == "SEVERE"]
    assert errors == [], driver.current_url
    assert driver.execute_script("return window.dukaFailedRequests") == [], driver.current_url
    scroll_width, client_width = driver.execute_script(
        "return [document.documentElement.scrollWidth, document.documentElement.clientWidth]"
    )
    assert client_width == PHONE_WIDTH
    assert scroll_width <= client_width, driver.current_url
    unlabelled = driver.execute_script(
        "return [...document.querySelectorAll('input, select, textarea')]"
        ".filter((field) => !field.labels.length).map((field) => field.outerHTML)"
    )
    assert unlabelled == [], driver.current_url


def screenshot(driver, name: str) -> None:
    """The whole page (as tall as its content) at phone width."""
    height = driver.execute_script("return document.documentElement.scrollHeight")
    phone_screen(driver, max(height, PHONE_HEIGHT))
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    driver.save_screenshot(str(SCREENSHOTS / name))
    phone_screen(driver, PHONE_HEIGHT)


def click(driver, css: str) -> None:
    from selenium.webdriver.common.by import By

    element = driver.find_element(By.CSS_SELECTOR, css)
    driver.execute_script("arguments[0].scrollIntoView({block: 'center'})", element)
    element.click()


def fill(driver, values: dict[str, str]) -> None:
    from selenium.webdriver.common.by import By

    for element_id, value in values.items():
        field = driver.find_element(By.ID, element_id)
        field.clear()
        field.send_keys(value)


def first_page_resources(driver) -> list[dict]:
    return driver.execute_script(
        """return [...performance.getEntriesByType('navigation'), ...performance.getEntriesByType('resource')]
          .map((entry) => ({url: entry.name, transfer: entry.transferSize, body: entry.encodedBodySize}));"""
    )


def product_add(driver, live_server, slug: str, name: str, cart_count: int) -> None:
    click(driver, f'a[href="/shop/p/{slug}"]')
    wait_for(driver, "h1", name)
    page_check(driver)
    click(driver, "#add-to-cart button")
    wait_for(driver, "#flash", f"{name} is in your cart.")
    wait_for(driver, "#cart-link .badge", str(cart_count))
    page_check(driver)


def test_a_guest_shops_registers_checks_out_and_pays(browser, live_server, catalog):
    from selenium.webdriver.common.by import By

    browser.get(f"{live_server.url}/shop/")
    wait_for(browser, "#results-heading", "26 products")
    assert len(browser.find_elements(By.CSS_SELECTOR, "#products li")) == 24
    wait_until(browser, VISIBLE_IMAGES_LOADED)
    page_check(browser)
    resources = first_page_resources(browser)
    assert sum(resource["transfer"] for resource in resources) < FIRST_PAGE_BUDGET_BYTES
    largest = max(resources, key=lambda resource: resource["body"])
    assert "/api/products/" in largest["url"], resources
    screenshot(browser, "storefront-home.png")

    # Search, then narrow by a facet: the list and the URL follow.
    fill(browser, {"search": "shirt"})
    click(browser, ".search button")
    wait_for(browser, "#results-heading", "3 products")
    page_check(browser)
    click(browser, 'input[name="attr_colour"][value="red"]')
    wait_for(browser, "#results-heading", "2 products")
    assert "attr_colour=red" in browser.current_url
    # The keyboard focus stays on the facet just used.
    wait_until(browser, "return document.activeElement.matches('input[name=attr_colour][value=red]')")
    names = [element.text for element in browser.find_elements(By.CSS_SELECTOR, "#products .name")]
    assert sorted(names) == ["Red flannel shirt", "Red linen shirt"]
    page_check(browser)

    product_add(browser, live_server, "red-linen-shirt", "Red linen shirt", 1)
    assert browser.find_element(By.CSS_SELECTOR, "#main-image img").get_attribute("srcset")
    screenshot(browser, "storefront-product.png")
    click(browser, "a.brand")
    wait_for(browser, "#results-heading", "26 products")
    product_add(browser, live_server, "clay-mug", "Clay mug", 2)
    reviews = browser.find_element(By.CSS_SELECTOR, ".reviews").text
    assert "Keeps tea hot" in reviews and "Njeri" in reviews

    # The guest's cart, then an account: the cart moves into it.
    click(browser, "#cart-link")
    wait_for(browser, "#cart-lines")
    assert len(browser.find_elements(By.CSS_SELECTOR, "#cart-lines .line")) == 2
    page_check(browser)
    click(browser, 'a[href="/shop/register?next=checkout"]')
    wait_for(browser, "h1", "Create an account")
    fill(
        browser,
        {"register-username": "amina", "register-email": "amina@example.com", "register-password": "Plum-Tree-42"},
    )
    click(browser, "#register button")
    wait_for(browser, "#flash", "2 items from your guest cart moved into your cart.")
    wait_for(browser, "h1", "Checkout")
    cart = Cart.objects.get(user__username="amina")
    assert sorted(cart.items.values_list("product__slug", flat=True)) == ["clay-mug", "red-linen-shirt"]
    assert not Cart.objects.filter(user=None).exists()
    page_check(browser)

    click(browser, "#cart-link")
    wait_for(browser, "#cart-lines")
    assert len(browser.find_elements(By.CSS_SELECTOR, "#cart-lines .line")) == 2
    page_check(browser)
    screenshot(browser, "storefront-cart.png")

    # Checkout to a new address by the zone's shipping method, at the total the summary shows.
    click(browser, 'a[href="/shop/checkout"]')
    wait_for(browser, "#new-address")
    fill(
        browser,
        {
            "new-address-name": "Amina Wanjiru",
            "new-address-phone": "+254 700 000 000",
            "new-address-line1": "12 Moi Avenue",
            "new-address-city": "Nairobi",
        },
    )
    click(browser, "#new-address button")
    wait_for(browser, "#method-choice", "Standard")
    wait_for(browser, "#total", "3,350.00")
    page_check(browser)
    screenshot(browser, "storefront-checkout.png")
    click(browser, "#place-order button")
    wait_for(browser, "#order-status", "Pending")
    order = Order.objects.get(user__username="amina")
    assert (order.city, order.shipping_method_name, order.total_amount) == ("Nairobi", "Standard", Decimal("3350.00"))
    assert browser.current_url.endswith(f"/shop/orders/{order.id}")
    page_check(browser)

    # The development provider: start the payment, confirm it.
    click(browser, "#pay")
    wait_for(browser, '[data-outcome="succeeded"]')
    page_check(browser)
    click(browser, '[data-outcome="succeeded"]')
    wait_for(browser, "#order-status", "Paid")
    order.refresh_from_db()
    assert order.status == Order.Status.PAID
    assert "Not shipped yet." in browser.find_element(By.ID, "shipments").text
    page_check(browser)

    # The wishlist: save a product, then move it to the cart.
    browser.get(f"{live_server.url}/shop/p/blue-cotton-shirt")
    wait_for(browser, "#save-to-wishlist")
    click(browser, "#save-to-wishlist")
    wait_for(browser, "#save-to-wishlist", "Saved to your wishlist")
    click(browser, 'a[href="/shop/wishlist"]')
    wait_for(browser, "#wishlist", "Blue cotton shirt")
    page_check(browser)
    click(browser, "[data-move]")
    wait_for(browser, "#cart-lines", "Blue cotton shirt")
    page_check(browser)

    click(browser, 'a[href="/shop/orders"]')
    wait_for(browser, "h1", "Your orders")
    assert "Paid" in browser.find_element(By.CSS_SELECTOR, ".lines").text
    page_check(browser)


def api_call(api: str, tokens: dict, method: str, path: str, body: dict | None = None) -> dict:
    response = requests.request(
        method, f"{api}{path}", json=body, headers={"Authorization": f"Bearer {tokens['access']}"}, timeout=10
    )
    assert response.ok, response.text
    return response.json()


def pending_order_through_the_api(api: str) -> tuple[dict, int]:
    """A customer's order waiting for payment, made with the same public API calls the storefront makes."""
    customer = UserFactory(username="baraka")
    tokens = requests.post(
        f"{api}/auth/token/", json={"username": customer.username, "password": DEFAULT_PASSWORD}, timeout=10
    ).json()

    def call(method: str, path: str, body: dict | None = None) -> dict:
        return api_call(api, tokens, method, path, body)

    call("POST", "/cart/", {"product_id": Product.objects.get(slug="clay-mug").id, "quantity": 2})
    address = call(
        "POST",
        "/addresses/",
        {"name": "Baraka Otieno", "phone": "0711 000 000", "line1": "3 Kenyatta Rd", "city": "Kisumu", "country": "KE"},
    )
    method = call("GET", f"/cart/shipping-methods/?address_id={address['id']}")[0]
    order = call("POST", "/checkout/", {"address_id": address["id"], "shipping_method_id": method["id"]})
    return tokens, order["id"]


def paid_order_through_the_api(api: str) -> tuple[dict, int]:
    tokens, order_id = pending_order_through_the_api(api)
    payment = api_call(api, tokens, "POST", f"/orders/{order_id}/pay/", {"provider": "fake"})
    api_call(api, tokens, "POST", payment["next_action"]["url"].removeprefix("/api"), {"outcome": "succeeded"})
    return tokens, order_id


def log_in_as(driver, live_server, tokens: dict) -> None:
    driver.get(f"{live_server.url}/shop/")
    wait_for(driver, "#results-heading")
    driver.execute_script(
        "localStorage.setItem('duka.access', arguments[0]); localStorage.setItem('duka.refresh', arguments[1]);",
        tokens["access"],
        tokens["refresh"],
    )


def test_the_order_page_shows_the_shipment_timeline(browser, live_server, catalog):
    from fulfilment.services import shipment_create, shipment_event_add

    tokens, order_id = paid_order_through_the_api(f"{live_server.url}/api")
    log_in_as(browser, live_server, tokens)
    browser.get(f"{live_server.url}/shop/orders/{order_id}")
    wait_for(browser, "#shipments", "Not shipped yet.")
    page_check(browser)

    manager = UserFactory(username="maria", manager=True)
    shipment = shipment_create(
        order_id=order_id,
        carrier="G4S",
        tracking_number="G4S-KE-0042",
        tracking_url="https://tracking.example.com/G4S-KE-0042",
        by=manager,
    )
    shipment_event_add(shipment_id=shipment.id, status="in_transit", location="Nairobi hub", by=manager)
    shipment_event_add(shipment_id=shipment.id, status="out_for_delivery", location="Kisumu", by=manager)
    browser.refresh()

    wait_for(browser, "#order-status", "Shipped")
    timeline = wait_for(browser, ".timeline")
    steps = [step.text for step in timeline.find_elements("css selector", "li")]
    assert len(steps) == 3
    assert steps[0].endswith("Ready")
    assert steps[1].endswith("In transit, Nairobi hub")
    assert steps[2].endswith("Out for delivery, Kisumu")
    assert "G4S-KE-0042" in browser.find_element("css selector", ".shipment h3").text
    page_check(browser)
    screenshot(browser, "storefront-order.png")


def access_expiry(driver) -> float:
    """When the stored access token expires (its `exp` claim, seconds since the epoch)."""
    token = driver.execute_script("return localStorage.getItem('duka.access')")
    payload = token.split(".")[1]
    return json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))["exp"]


def test_an_expired_access_token_is_refreshed_and_the_cart_survives(
    browser, live_server, catalog, settings, monkeypatch
):
    from rest_framework_simplejwt.tokens import AccessToken

    lifetime = timedelta(seconds=3)
    settings.SIMPLE_JWT = {**settings.SIMPLE_JWT, "ACCESS_TOKEN_LIFETIME": lifetime}
    # SimpleJWT copies the setting into the token class when it is imported: the override has to reach it there.
    monkeypatch.setattr(AccessToken, "lifetime", lifetime)
    UserFactory(username="wanjiku")

    browser.get(f"{live_server.url}/shop/p/clay-mug")
    wait_for(browser, "h1", "Clay mug")
    click(browser, "#add-to-cart button")
    wait_for(browser, "#cart-link .badge", "1")
    click(browser, 'a[href="/shop/login"]')
    wait_for(browser, "#login")
    fill(browser, {"login-username": "wanjiku", "login-password": DEFAULT_PASSWORD})
    click(browser, "#login button")
    wait_for(browser, "#flash", "1 item from your guest cart moved into your cart.")
    wait_for(browser, "#cart-lines", "Clay mug")
    refreshes = browser.execute_script("return window.dukaStats.refreshes")

    # Wait out the access token, then use the shop: its next call is refused (401), refreshed and repeated.
    expiry = access_expiry(browser)
    assert expiry - time.time() <= lifetime.total_seconds()
    while time.time() <= expiry + 1:
        time.sleep(0.5)
    click(browser, "a.brand")
    wait_for(browser, "#results-heading", "26 products")
    click(browser, "#cart-link")
    wait_for(browser, "#cart-lines", "Clay mug")

    assert browser.execute_script("return window.dukaStats.refreshes") > refreshes
    assert browser.execute_script("return window.dukaFailedRequests") == []
    assert browser.execute_script("return localStorage.getItem('duka.refresh')")
    assert Cart.objects.get(user__username="wanjiku").items.get().product.slug == "clay-mug"
    # The refused calls are the only console errors: Chromium logs every 401 response it receives.
    errors = [entry["message"] for entry in browser.get_log("browser") if entry["level"] == "SEVERE"]
    assert errors
    assert all("/api/" in error and "401 (Unauthorized)" in error for error in errors), errors


def test_the_emailed_links_open_storefront_pages_that_post_them_back(browser, live_server, catalog, settings):
    from accounts.account_tokens import email_verification_tokens, password_reset_tokens, storefront_link

    settings.STOREFRONT_URL = f"{live_server.url}/shop"
    user = UserFactory(username="zawadi")

    browser.get(storefront_link(page="verify-email", user=user, token=email_verification_tokens.make_token(user)))
    wait_for(browser, "#verify-result", f"Thank you: {user.email} is verified.")
    page_check(browser)
    user.refresh_from_db()
    assert user.email_verified_at is not None

    browser.get(storefront_link(page="reset-password", user=user, token=password_reset_tokens.make_token(user)))
    wait_for(browser, "#reset-password")
    fill(browser, {"reset-new-password": "Mango-River-Lantern-77"})
    click(browser, "#reset-password button")
    wait_for(browser, "#reset-done", "Your password is changed.")
    page_check(browser)
    user.refresh_from_db()
    assert user.check_password("Mango-River-Lantern-77")

    click(browser, "#reset-done a")
    wait_for(browser, "#login")
    click(browser, 'a[href="/shop/forgot-password"]')
    fill(browser, {"forgot-email": user.email})
    click(browser, "#forgot-password button")
    wait_for(browser, "#forgot-sent", "a link to choose a new password is on its way")
    page_check(browser)


def stripe_calls(driver) -> list[dict]:
    return driver.execute_script("return window.stripeCalls || []")


def test_a_customer_pays_by_card_with_stripe(browser, live_server, catalog, stripe_server, daraja, settings):
    from selenium.webdriver.common.by import By

    from payments.models import Payment
    from payments.tests.conftest import WEBHOOK_SECRET
    from payments.tests.fakes.stripe import signed_webhook

    settings.STRIPE_JS_URL = f"{live_server.url}/stripe-stand-in.js"
    tokens, order_id = pending_order_through_the_api(f"{live_server.url}/api")
    log_in_as(browser, live_server, tokens)
    order_page = f"{live_server.url}/shop/orders/{order_id}"
    browser.get(order_page)
    wait_for(browser, "#pay-card", "by card")
    # One way to pay per provider the shop takes.
    assert browser.find_element(By.ID, "mpesa-form").is_displayed()
    assert browser.find_element(By.ID, "pay").is_displayed()
    # Stripe.js is not on the page until the customer chooses the card.
    assert browser.execute_script("return document.querySelectorAll('script[src*=stripe]').length") == 0
    page_check(browser)
    screenshot(browser, "storefront-pay.png")

    click(browser, "#pay-card")
    wait_for(browser, "#payment-element", "stand-in")
    payment = Payment.objects.get(order_id=order_id)
    assert (payment.provider, payment.status) == ("stripe", Payment.Status.PENDING)
    client_secret = stripe_server.payment_intents[payment.provider_reference]["client_secret"]
    assert stripe_calls(browser) == [
        {"call": "Stripe", "publishableKey": "pk_test_duka"},
        {"call": "elements", "clientSecret": client_secret},
        {"call": "create", "type": "payment"},
        {"call": "mount", "selector": "#payment-element"},
    ]
    page_check(browser)

    click(browser, "#card-form button")
    wait_until(browser, "return (window.stripeCalls || []).some((call) => call.call === 'confirmPayment')")
    assert stripe_calls(browser)[-1] == {"call": "confirmPayment", "sameElements": True, "returnUrl": order_page}

    # Stripe takes the customer back to the order page while its webhook is on the way.
    browser.get(
        f"{order_page}?payment_intent={payment.provider_reference}"
        f"&payment_intent_client_secret={client_secret}&redirect_status=succeeded"
    )
    wait_for(browser, "#payment-waiting", "is being confirmed")
    page_check(browser)
    event = stripe_server.event("payment_intent.succeeded", stripe_server.succeed(payment.provider_reference))
    body, headers = signed_webhook(event, WEBHOOK_SECRET)
    delivered = requests.post(
        f"{live_server.url}/api/payments/webhooks/stripe/",
        data=body,
        headers={"Content-Type": "application/json", "Stripe-Signature": headers["Stripe-Signature"]},
        timeout=10,
    )
    assert delivered.status_code == 200, delivered.text

    click(browser, "#check-payment")
    wait_for(browser, "#order-status", "Paid")
    assert not browser.find_elements(By.CSS_SELECTOR, ".pay")
    browser.refresh()
    wait_for(browser, "#order-status", "Paid")
    assert Order.objects.get(pk=order_id).status == Order.Status.PAID
    page_check(browser)


def test_a_customer_pays_with_mpesa_and_the_page_follows_the_phone(browser, live_server, catalog, daraja):
    from payments.models import Payment
    from payments.tests.conftest import CALLBACK_TOKEN

    tokens, order_id = pending_order_through_the_api(f"{live_server.url}/api")
    log_in_as(browser, live_server, tokens)
    browser.get(f"{live_server.url}/shop/orders/{order_id}")
    wait_for(browser, "#mpesa-form")
    assert browser.find_element("id", "mpesa-phone").get_attribute("value") == "0711 000 000"
    page_check(browser)

    fill(browser, {"mpesa-phone": "0712 345 678"})
    click(browser, "#mpesa-form button")
    wait_for(browser, "#payment-waiting", "Check your phone")
    push = daraja.requests_to("/mpesa/stkpush/v1/processrequest")[0].json
    assert push["PhoneNumber"] == "254712345678"
    page_check(browser)
    screenshot(browser, "storefront-pay-mpesa.png")

    # The customer enters the PIN; Daraja calls back; the page, asking every few seconds, shows the order paid.
    checkout_id = Payment.objects.get(order_id=order_id).provider_reference
    daraja.complete(checkout_id)
    called_back = requests.post(
        f"{live_server.url}/api/payments/webhooks/mpesa/{CALLBACK_TOKEN}/",
        data=daraja.callback_body(checkout_id),
        headers={"Content-Type": "application/json"},
        timeout=10,
    )
    assert called_back.status_code == 200, called_back.text
    wait_for(browser, "#order-status", "Paid")
    assert Order.objects.get(pk=order_id).status == Order.Status.PAID
    page_check(browser)
