from decimal import Decimal

import factory

from accounts.tests.factories import UserFactory
from store.models import Cart, CartItem, Category, Order, OrderItem, Product, StockMovement


class CategoryFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Category

    name = factory.Sequence(lambda n: f"Category {n}")
    slug = factory.Sequence(lambda n: f"category-{n}")


class ProductFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Product
        skip_postgeneration_save = True

    category = factory.SubFactory(CategoryFactory)
    name = factory.Sequence(lambda n: f"Product {n}")
    slug = factory.Sequence(lambda n: f"product-{n}")
    sku = factory.Sequence(lambda n: f"SKU-{n:06d}")
    price = Decimal("10.00")
    stock = 10

    @factory.post_generation
    def opening_balance(product, create, extracted, **kwargs):
        """The stock a product is made with is its opening adjustment in the ledger, as in the migration."""
        if create and product.stock:
            StockMovement.objects.create(
                product=product, delta=product.stock, reason=StockMovement.Reason.ADJUSTMENT, note="Opening balance"
            )


class CartFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Cart
        django_get_or_create = ["user"]

    user = factory.SubFactory(UserFactory)


class CartItemFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = CartItem

    cart = factory.SubFactory(CartFactory)
    product = factory.SubFactory(ProductFactory)
    quantity = 1


class OrderFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Order

    user = factory.SubFactory(UserFactory)
    total_amount = Decimal("0.00")


class OrderItemFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = OrderItem

    order = factory.SubFactory(OrderFactory)
    product = factory.SubFactory(ProductFactory)
    product_name = factory.LazyAttribute(lambda item: item.product.name)
    sku = factory.LazyAttribute(lambda item: item.product.sku)
    quantity = 1
    price_at_purchase = factory.LazyAttribute(lambda item: item.product.final_price)
