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
from payments.models import Payment, Refund
from store.models import Category, Order, OrderEvent, Product
from store.services.catalog import category_create
from store.services.images import product_image_add

MANAGER_USERNAME = "manager"
MANAGER_PASSWORD = "duka-manager-demo"
CUSTOMER_USERNAME_PREFIX = "customer"
CUSTOMER_PASSWORD = "duka-customer-demo"
SKU_PREFIX = "DK-"
# The first demo products (by SKU) get a generated picture each; a large catalog keeps the rest without.
SEED_IMAGES_MAX = 100
BATCH_SIZE = 2000

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


@dataclass
class SeedResult:
    managers: int = 0
    customers: int = 0
    categories: int = 0
    products: int = 0
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
    """Create the demo manager, `customers` customers, the five categories and `products` products.

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
    result.products = _seed_products(count=products, categories=categories, seed=seed, progress=progress)
    result.images = _seed_images(limit=min(products, SEED_IMAGES_MAX))
    return result


@transaction.atomic
def demo_data_delete() -> None:
    demo_users = User.objects.filter(username__regex=rf"^({MANAGER_USERNAME}|{CUSTOMER_USERNAME_PREFIX}[0-9]+)$")
    # The demo orders' history and payments protect them (PROTECT): a reset wipes them with the orders.
    OrderEvent.objects.filter(order__user__in=demo_users).delete()
    Refund.objects.filter(payment__order__user__in=demo_users).delete()
    Payment.objects.filter(order__user__in=demo_users).delete()
    Order.objects.filter(user__in=demo_users).delete()
    Product.objects.all().delete()
    Category.objects.all().delete()
    demo_users.delete()


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


def _seed_products(*, count: int, categories: list[Category], seed: int, progress: Progress | None) -> int:
    rng = random.Random(seed)
    fake = Faker("en_US")
    fake.seed_instance(seed)
    # Small pools drawn once keep Faker out of the per-product loop (100,000 products in seconds).
    brands = sorted({fake.last_name() for _ in range(60)})
    taglines = [fake.catch_phrase() for _ in range(200)]
    existing_skus = set(Product.objects.filter(sku__startswith=SKU_PREFIX).values_list("sku", flat=True))
    slugs = _SlugAllocator(Product.objects.values_list("slug", flat=True))
    created = 0
    for start in range(1, count + 1, BATCH_SIZE):
        batch = []
        for number in range(start, min(start + BATCH_SIZE, count + 1)):
            product = _product_draw(rng=rng, number=number, categories=categories, brands=brands, taglines=taglines)
            if product.sku in existing_skus:
                continue
            product.slug = slugs.allocate(product.name)
            batch.append(product)
        with transaction.atomic():
            Product.objects.bulk_create(batch)
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
