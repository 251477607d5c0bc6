"""Demo data: a store manager, customers, five categories and products, generated deterministically.

Everything is keyed so that re-running adds nothing twice: users by username (`manager`,
`customer1`...), categories by name, products by SKU (`DK-0000001`...). Product number *n* is the
same for a given seed whatever the total, so `--products 100` after `--products 50` adds the next 50.
Products and customers are inserted with `bulk_create` in batches; the database trigger fills the
search document of each inserted row.
"""

import hashlib
import io
import random
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal

from django.contrib.auth.hashers import make_password
from django.db import connection, transaction
from django.utils.text import slugify
from faker import Faker
from PIL import Image, ImageDraw

from accounts.models import CustomerProfile, User
from accounts.services import user_create
from fulfilment.models import ReturnRequest, Shipment
from payments.models import Payment, Refund
from pricing.models import ShippingMethod, ShippingZone, TaxRate
from store.catalog_cache import catalog_version_bump
from store.models import (
    Attribute,
    AttributeValue,
    Category,
    Order,
    OrderEvent,
    OrderItem,
    Product,
    ProductAttributeValue,
    RestockOrder,
    Review,
    StockMovement,
)
from store.services.attributes import attribute_create, attribute_value_create, product_attribute_copies_refresh
from store.services.catalog import category_create, products_lock
from store.services.images import product_image_add
from store.services.reviews import product_ratings_refresh

MANAGER_USERNAME = "manager"
MANAGER_PASSWORD = "duka-manager-demo"
CUSTOMER_USERNAME_PREFIX = "customer"
CUSTOMER_PASSWORD = "duka-customer-demo"
SKU_PREFIX = "DK-"
# The first demo products (by SKU) get a generated picture each; a large catalog keeps the rest without.
SEED_IMAGES_MAX = 100
BATCH_SIZE = 2000
# Reviews go to the first products by SKU, from the first customers, each of whom received what they review.
REVIEWED_PRODUCTS = 20
REVIEWING_CUSTOMERS = 10
REVIEW_CHANCE = 0.3
REVIEW_ORDER_KEY_PREFIX = "seed-review-"
REVIEW_TEXTS = {
    1: ("Disappointing", "It stopped working within a week and support never answered."),
    2: ("Not what I hoped", "It does the job, barely; the finish feels cheap for the price."),
    3: ("Fine for the price", "Nothing special, nothing wrong. It arrived on time and well packed."),
    4: ("Very good", "Does what it promises and looks good doing it; one small quirk aside."),
    5: ("Excellent", "Exactly as described, well made, and I would buy it again."),
}

Progress = Callable[[str, int, int], None]


@dataclass(frozen=True)
class CategoryPlan:
    name: str
    description: str
    nouns: tuple[str, ...]
    adjectives: tuple[str, ...]
    features: tuple[str, ...]
    price_range: tuple[int, int]


CATEGORIES = (
    CategoryPlan(
        "Electronics",
        "Phones, laptops, audio and the gadgets around them.",
        ("Phone", "Laptop", "Headphones", "Smartwatch", "Tablet", "Speaker", "Monitor", "Keyboard", "Router", "Camera"),
        ("Wireless", "Smart", "Portable", "Pro", "Ultra", "Compact", "Noise-Cancelling", "4K", "Gaming", "Slim"),
        (
            "All-day battery with fast USB-C charging",
            "Bluetooth 5.3 pairs instantly with phones and laptops",
            "A bright, sharp display that stays readable outdoors",
            "Ships with a two-year manufacturer warranty",
            "Firmware updates add features over time",
        ),
        (15, 1800),
    ),
    CategoryPlan(
        "Books",
        "Fiction, non-fiction, cookbooks and children's books.",
        ("Novel", "Cookbook", "Biography", "Atlas", "Guide", "Anthology", "Workbook", "Memoir", "Picture Book"),
        ("Illustrated", "Hardcover", "Paperback", "Collector's", "Annotated", "Bestselling", "Classic", "Pocket"),
        (
            "Printed on acid-free paper with a sewn binding",
            "Includes a foreword by the author and a reading guide",
            "A favourite of book clubs across the region",
            "Large, clear type that is easy on the eyes",
        ),
        (5, 80),
    ),
    CategoryPlan(
        "Home & Kitchen",
        "Cookware, small appliances and everything for the home.",
        ("Blender", "Kettle", "Frying Pan", "Knife Set", "Coffee Maker", "Toaster", "Lamp", "Rug", "Cushion", "Pot"),
        ("Stainless", "Non-Stick", "Electric", "Ceramic", "Cast-Iron", "Cordless", "Handcrafted", "Modern", "Cozy"),
        (
            "Dishwasher safe and easy to clean",
            "Heats evenly on gas, electric and induction hobs",
            "Made from food-grade, BPA-free materials",
            "Fits neatly in small kitchens and apartments",
        ),
        (8, 450),
    ),
    CategoryPlan(
        "Sports & Outdoors",
        "Gear for running, cycling, camping and the gym.",
        ("Running Shoes", "Yoga Mat", "Tent", "Backpack", "Water Bottle", "Bike Helmet", "Dumbbells", "Jacket"),
        ("Lightweight", "Waterproof", "Trail", "Insulated", "Breathable", "Adjustable", "Foldable", "Rugged"),
        (
            "Tested in the mountains and on city streets",
            "Packs down small for travel",
            "Sweat-wicking fabric keeps you dry",
            "Reinforced seams for years of use",
        ),
        (10, 600),
    ),
    CategoryPlan(
        "Fashion",
        "Clothing, shoes and accessories for every season.",
        ("T-Shirt", "Dress", "Sneakers", "Handbag", "Scarf", "Sunglasses", "Watch", "Hoodie", "Jeans", "Belt"),
        ("Cotton", "Linen", "Leather", "Vintage", "Classic", "Oversized", "Recycled", "Slim-Fit", "Summer"),
        (
            "Cut from soft, breathable organic cotton",
            "True to size; see the size guide for measurements",
            "Machine washable at thirty degrees",
            "Designed locally and made in small batches",
        ),
        (6, 350),
    ),
)


@dataclass(frozen=True)
class AttributePlan:
    name: str
    kind: str
    categories: tuple[str, ...]
    values: tuple[str, ...] = ()
    number_range: tuple[int, int] = (0, 0)


# A few attributes per category, some shared (colour, size, material). Choice values are listed; numbers are
# drawn from `number_range`; booleans are true or false.
ATTRIBUTES = (
    AttributePlan("Colour", "choice", ("Electronics", "Fashion"), ("Black", "White", "Silver", "Blue", "Red")),
    AttributePlan("Size", "choice", ("Sports & Outdoors", "Fashion"), ("XS", "S", "M", "L", "XL")),
    AttributePlan(
        "Material", "choice", ("Home & Kitchen", "Fashion"), ("Cotton", "Leather", "Stainless steel", "Ceramic", "Wood")
    ),
    AttributePlan("Format", "choice", ("Books",), ("Hardcover", "Paperback", "E-book")),
    AttributePlan("Pages", "number", ("Books",), number_range=(80, 900)),
    AttributePlan("Warranty years", "number", ("Electronics",), number_range=(1, 5)),
    AttributePlan("Weight kg", "number", ("Sports & Outdoors", "Home & Kitchen"), number_range=(1, 30)),
    AttributePlan("Wireless", "boolean", ("Electronics",)),
    AttributePlan("Waterproof", "boolean", ("Sports & Outdoors", "Fashion")),
    AttributePlan("Dishwasher safe", "boolean", ("Home & Kitchen",)),
)


@dataclass
class SeedResult:
    managers: int = 0
    customers: int = 0
    categories: int = 0
    attributes: int = 0
    products: int = 0
    reviews: int = 0
    shipping_methods: int = 0
    images: int = 0
    skipped: bool = False


def demo_logins() -> list[tuple[str, str, str]]:
    """(username, password, role) of the demo accounts that exist."""
    usernames = {MANAGER_USERNAME, f"{CUSTOMER_USERNAME_PREFIX}1"}
    existing = set(User.objects.filter(username__in=usernames).values_list("username", flat=True))
    logins = [
        (MANAGER_USERNAME, MANAGER_PASSWORD, "store manager, also Django admin"),
        (f"{CUSTOMER_USERNAME_PREFIX}1", CUSTOMER_PASSWORD, "customer"),
    ]
    return [login for login in logins if login[0] in existing]


def demo_data_seed(
    *,
    products: int = 50,
    customers: int = 10,
    seed: int = 1,
    reset: bool = False,
    if_empty: bool = False,
    progress: Progress | None = None,
) -> SeedResult:
    """Create the demo manager, `customers` customers, the five categories, `products` products, some reviews and,
    when the shop has none, a shipping zone for Kenya with two methods and its VAT.

    `reset` first deletes the whole catalog and the demo accounts (with their orders); `if_empty` does
    nothing when the catalog already has products.
    """
    if reset:
        demo_data_delete()
    elif if_empty and Product.objects.exists():
        return SeedResult(skipped=True)
    fake = Faker("en_US")
    fake.seed_instance(seed)
    result = SeedResult()
    result.managers = _seed_manager()
    result.customers = _seed_customers(count=customers, fake=fake, progress=progress)
    categories, result.categories = _seed_categories()
    attributes, result.attributes = _seed_attributes(categories=categories)
    result.products = _seed_products(
        count=products, categories=categories, attributes=attributes, seed=seed, progress=progress
    )
    result.reviews = _seed_reviews(seed=seed)
    result.shipping_methods = _seed_shipping()
    result.images = _seed_images(limit=min(products, SEED_IMAGES_MAX))
    catalog_version_bump()  # the products, their values and the reviews went in with bulk inserts
    return result


@transaction.atomic
def demo_data_delete() -> None:
    demo_users = User.objects.filter(username__regex=rf"^({MANAGER_USERNAME}|{CUSTOMER_USERNAME_PREFIX}[0-9]+)$")
    # The demo orders' history and payments protect them (PROTECT): a reset wipes them with the orders.
    OrderEvent.objects.filter(order__user__in=demo_users).delete()
    ReturnRequest.objects.filter(order__user__in=demo_users).delete()
    Shipment.objects.filter(order__user__in=demo_users).delete()
    Refund.objects.filter(payment__order__user__in=demo_users).delete()
    Payment.objects.filter(order__user__in=demo_users).delete()
    Order.objects.filter(user__in=demo_users).delete()
    # Restock orders are about the catalog, and their lines protect its products.
    RestockOrder.objects.all().delete()
    Product.objects.all().delete()
    Attribute.objects.filter(slug__in=[slugify(plan.name) for plan in ATTRIBUTES]).delete()
    Category.objects.all().delete()
    demo_users.delete()


def _seed_shipping() -> int:
    """A shipping zone for Kenya with two methods, and Kenya's VAT, when the shop has no zone yet: checkout needs
    a method that delivers to the address. A shop that set up its own zones keeps them."""
    if ShippingZone.objects.exists():
        return 0
    kenya = ShippingZone.objects.create(name="Kenya", countries=["KE"])
    methods = ShippingMethod.objects.bulk_create(
        [
            ShippingMethod(
                zone=kenya,
                name="Standard delivery",
                price=Decimal("300.00"),
                free_over=Decimal("5000.00"),
                days_min=2,
                days_max=4,
            ),
            ShippingMethod(zone=kenya, name="Express delivery", price=Decimal("700.00"), days_min=1, days_max=1),
        ]
    )
    TaxRate.objects.get_or_create(country="KE", category=None, defaults={"rate": Decimal("16.00")})
    return len(methods)


def _seed_manager() -> int:
    if User.objects.filter(username__iexact=MANAGER_USERNAME).exists():
        return 0
    user_create(
        username=MANAGER_USERNAME,
        email=f"{MANAGER_USERNAME}@duka.example.com",
        password=MANAGER_PASSWORD,
        role=User.Role.MANAGER,
    )
    return 1


def _seed_customers(*, count: int, fake: Faker, progress: Progress | None) -> int:
    """Customers `customer1`..`customerN` with realistic names and shipping details, in bulk.

    They share one demo password, hashed once: hashing per user would dominate the run time.
    """
    existing = {
        int(name[len(CUSTOMER_USERNAME_PREFIX) :])
        for name in User.objects.filter(username__regex=rf"^{CUSTOMER_USERNAME_PREFIX}[0-9]+$").values_list(
            "username", flat=True
        )
    }
    password = make_password(CUSTOMER_PASSWORD)
    created = 0
    for start in range(1, count + 1, BATCH_SIZE):
        users, profiles = [], []
        for number in range(start, min(start + BATCH_SIZE, count + 1)):
            # Always draw, so customer n is the same whichever customers already exist.
            first_name, last_name = fake.first_name(), fake.last_name()
            profile = CustomerProfile(
                phone=fake.numerify("+1-###-###-####"),
                address=fake.street_address(),
                city=fake.city(),
                country=fake.current_country_code(),
                postal_code=fake.postcode(),
            )
            if number in existing:
                continue
            username = f"{CUSTOMER_USERNAME_PREFIX}{number}"
            users.append(
                User(
                    username=username,
                    email=f"{username}@example.com",
                    first_name=first_name,
                    last_name=last_name,
                    password=password,
                    role=User.Role.CUSTOMER,
                )
            )
            profiles.append(profile)
        with transaction.atomic():
            User.objects.bulk_create(users)
            for user, profile in zip(users, profiles, strict=True):
                profile.user = user
            CustomerProfile.objects.bulk_create(profiles)
        created += len(users)
        if progress:
            progress("customers", min(start + BATCH_SIZE - 1, count), count)
    return created


def _seed_categories() -> tuple[list[Category], int]:
    categories, created = [], 0
    for plan in CATEGORIES:
        category = Category.objects.filter(name__iexact=plan.name).first()
        if category is None:
            category = category_create(name=plan.name, description=plan.description)
            created += 1
        categories.append(category)
    return categories, created


def _seed_attributes(*, categories: list[Category]) -> tuple[dict[str, list[tuple[Attribute, AttributePlan]]], int]:
    """The attributes of `ATTRIBUTES` (by slug; missing values are added), and for each category name the
    attributes its products carry."""
    by_name = {category.name: category for category in categories}
    by_category: dict[str, list[tuple[Attribute, AttributePlan]]] = {category.name: [] for category in categories}
    created = 0
    for plan in ATTRIBUTES:
        attribute = Attribute.objects.filter(slug=slugify(plan.name)).first()
        if attribute is None:
            attribute = attribute_create(
                name=plan.name, kind=plan.kind, categories=[by_name[name] for name in plan.categories]
            )
            created += 1
        taken = set(attribute.values.values_list("slug", flat=True))
        for value in plan.values:
            if slugify(value) not in taken:
                attribute_value_create(attribute=attribute, value=value)
        for name in plan.categories:
            by_category[name].append((attribute, plan))
    return by_category, created


def _attribute_rows(
    *,
    product: Product,
    rng: random.Random,
    plans: list[tuple[Attribute, AttributePlan]],
    values: dict[int, dict[str, int]],
) -> list[ProductAttributeValue]:
    """Product attribute values drawn from `rng`; about one in five attributes is left out."""
    rows = []
    for attribute, plan in plans:
        skip = rng.random() < 0.2
        if plan.kind == Attribute.Kind.NUMBER:
            row = ProductAttributeValue(
                product=product, attribute=attribute, number=Decimal(rng.randint(*plan.number_range))
            )
        elif plan.kind == Attribute.Kind.BOOLEAN:
            row = ProductAttributeValue(
                product=product, attribute=attribute, value_id=values[attribute.pk][rng.choice(("true", "false"))]
            )
        else:
            row = ProductAttributeValue(
                product=product, attribute=attribute, value_id=values[attribute.pk][slugify(rng.choice(plan.values))]
            )
        if not skip:
            rows.append(row)
    return rows


def _seed_products(
    *,
    count: int,
    categories: list[Category],
    attributes: dict[str, list[tuple[Attribute, AttributePlan]]],
    seed: int,
    progress: Progress | None,
) -> int:
    rng = random.Random(seed)
    fake = Faker("en_US")
    fake.seed_instance(seed)
    # Small pools drawn once keep Faker out of the per-product loop (100,000 products in seconds).
    brands = sorted({fake.last_name() for _ in range(60)})
    taglines = [fake.catch_phrase() for _ in range(200)]
    existing_skus = set(Product.objects.filter(sku__startswith=SKU_PREFIX).values_list("sku", flat=True))
    slugs = _SlugAllocator(Product.objects.values_list("slug", flat=True))
    value_ids: dict[int, dict[str, int]] = {}
    for attribute_id, slug, pk in AttributeValue.objects.values_list("attribute_id", "slug", "pk"):
        value_ids.setdefault(attribute_id, {})[slug] = pk
    created = 0
    for start in range(1, count + 1, BATCH_SIZE):
        batch, draws = [], []
        for number in range(start, min(start + BATCH_SIZE, count + 1)):
            product = _product_draw(rng=rng, number=number, categories=categories, brands=brands, taglines=taglines)
            if product.sku in existing_skus:
                continue
            product.slug = slugs.allocate(product.name)
            batch.append(product)
            # A generator of its own per product: product n's attributes do not depend on which others exist.
            draws.append(random.Random(f"{seed}-{number}"))
        with transaction.atomic():
            Product.objects.bulk_create(batch)
            # The seeded stock is each product's opening balance in the ledger.
            StockMovement.objects.bulk_create(
                StockMovement(product=product, delta=product.stock, reason=StockMovement.Reason.ADJUSTMENT, note="Seed")
                for product in batch
                if product.stock
            )
            ProductAttributeValue.objects.bulk_create(
                row
                for product, draw in zip(batch, draws, strict=True)
                for row in _attribute_rows(
                    product=product, rng=draw, plans=attributes[product.category.name], values=value_ids
                )
            )
            product_attribute_copies_refresh(product_ids=[product.pk for product in batch])
        created += len(batch)
        if progress:
            progress("products", min(start + BATCH_SIZE - 1, count), count)
    if created:
        # Fresh statistics for the planner; VACUUM also sets the visibility map, which makes counting the active
        # products an index-only scan. VACUUM cannot run inside a transaction, ANALYZE alone can.
        command = "ANALYZE" if connection.in_atomic_block else "VACUUM ANALYZE"
        with connection.cursor() as cursor:
            cursor.execute(f"{command} {Product._meta.db_table}")
    return created


def _seed_images(*, limit: int) -> int:
    """A generated picture for each of the first `limit` demo products that has none, through the upload
    service (so their renditions are made as for any upload)."""
    products = Product.objects.filter(sku__startswith=SKU_PREFIX, images__isnull=True).order_by("sku")[:limit]
    created = 0
    for product in products.only("pk", "sku", "name"):
        content = demo_image(key=product.sku)
        product_image_add(product=product, file=io.BytesIO(content), size=len(content), alt_text=product.name)
        created += 1
    return created


def demo_image(*, key: str, size: tuple[int, int] = (800, 600)) -> bytes:
    """A JPEG of a few coloured shapes drawn from `key` alone: the same key always gives the same picture."""
    rng = random.Random(hashlib.sha256(key.encode()).digest())
    width, height = size
    image = Image.new("RGB", size, tuple(rng.randrange(140, 256) for _ in range(3)))
    draw = ImageDraw.Draw(image)
    for _ in range(6):
        left, top = rng.randrange(width), rng.randrange(height)
        box = (left, top, left + rng.randrange(60, width // 2), top + rng.randrange(60, height // 2))
        color = tuple(rng.randrange(0, 200) for _ in range(3))
        (draw.ellipse if rng.random() < 0.5 else draw.rectangle)(box, fill=color)
    output = io.BytesIO()
    image.save(output, format="JPEG", quality=85)
    return output.getvalue()


def _product_draw(
    *, rng: random.Random, number: int, categories: list[Category], brands: list[str], taglines: list[str]
) -> Product:
    """Product number `number`; draws the same amount of randomness every time, so the sequence is stable."""
    index = rng.randrange(len(CATEGORIES))
    plan, category = CATEGORIES[index], categories[index]
    noun, adjective, brand = rng.choice(plan.nouns), rng.choice(plan.adjectives), rng.choice(brands)
    model = f"{rng.choice('ABCDEFGHKMNPRSTXZ')}{rng.randint(1, 999)}"
    first_feature, second_feature = rng.sample(plan.features, 2)
    tagline = rng.choice(taglines)
    low, high = plan.price_range
    price = Decimal(rng.randint(low, high)) + Decimal(rng.choice(("0.99", "0.49", "0.00", "0.95")))
    discount_rate = rng.choice((None, None, None, Decimal("0.90"), Decimal("0.80"), Decimal("0.75")))
    stock = rng.choice((0, rng.randint(1, 5), rng.randint(5, 250), rng.randint(5, 250), rng.randint(5, 250)))
    is_active = rng.random() >= 0.05
    name = f"{brand} {adjective} {noun} {model}"
    return Product(
        category=category,
        name=name,
        sku=f"{SKU_PREFIX}{number:07d}",
        description=f"The {adjective} {noun} {model} from {brand}. {first_feature}. {second_feature}. {tagline}.",
        price=price,
        discount_price=(price * discount_rate).quantize(Decimal("0.01")) if discount_rate else None,
        stock=stock,
        is_active=is_active,
    )


@transaction.atomic
def _seed_reviews(*, seed: int) -> int:
    """Reviews of the first `REVIEWED_PRODUCTS` active products by the first `REVIEWING_CUSTOMERS` customers.

    Customer k reviews product n by a draw keyed on (seed, k, n), so the reviews do not depend on what exists
    already. Each review comes with the delivered order that entitles it (one line, keyed by the product's SKU),
    and the products' ratings are recomputed once at the end.
    """
    customers = list(
        User.objects.filter(
            username__in=[f"{CUSTOMER_USERNAME_PREFIX}{k}" for k in range(1, REVIEWING_CUSTOMERS + 1)]
        ).order_by("pk")
    )
    products = list(
        Product.objects.filter(sku__startswith=SKU_PREFIX, is_active=True).order_by("sku")[:REVIEWED_PRODUCTS]
    )
    if not customers or not products:
        return 0
    products_lock(product_ids=[product.pk for product in products])
    reviewed = set(Review.objects.filter(product__in=products, user__in=customers).values_list("user_id", "product_id"))
    # A review the customer deleted since stays deleted: its order is the mark that the seed made it once.
    ordered = set(
        Order.objects.filter(user__in=customers, idempotency_key__startswith=REVIEW_ORDER_KEY_PREFIX).values_list(
            "user_id", "idempotency_key"
        )
    )
    orders, items, reviews = [], [], []
    for customer in customers:
        for product in products:
            rng = random.Random(f"{seed}-{customer.username}-{product.sku}")
            key = f"{REVIEW_ORDER_KEY_PREFIX}{product.sku}"
            if rng.random() >= REVIEW_CHANCE or (customer.pk, product.pk) in reviewed or (customer.pk, key) in ordered:
                continue
            rating = rng.choices((1, 2, 3, 4, 5), weights=(1, 1, 2, 4, 5))[0]
            title, body = REVIEW_TEXTS[rating]
            order = Order(
                user=customer,
                status=Order.Status.DELIVERED,
                total_amount=product.final_price,
                name=customer.get_full_name(),
                idempotency_key=key,
            )
            orders.append(order)
            items.append(
                OrderItem(
                    order=order,
                    product=product,
                    product_name=product.name,
                    sku=product.sku,
                    quantity=1,
                    price_at_purchase=product.final_price,
                )
            )
            reviews.append(Review(product=product, user=customer, rating=rating, title=title, body=body))
    Order.objects.bulk_create(orders)
    OrderItem.objects.bulk_create(items)
    Review.objects.bulk_create(reviews)
    product_ratings_refresh(product_ids=[product.pk for product in products])
    return len(reviews)


class _SlugAllocator:
    """Unique slugs for many new rows at once, against the slugs already taken (no query per row)."""

    def __init__(self, taken) -> None:
        self.taken = set(taken)
        self.next_suffix: dict[str, int] = {}

    def allocate(self, name: str) -> str:
        base = slugify(name)[:200].strip("-") or "product"
        slug = base
        suffix = self.next_suffix.get(base, 2)
        while slug in self.taken:
            slug = f"{base}-{suffix}"
            suffix += 1
        self.next_suffix[base] = suffix
        self.taken.add(slug)
        return slug
