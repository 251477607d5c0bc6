"""Duka's catalog tables, read as they are: unmanaged models with the columns the baseline views query."""

from django.contrib.postgres.search import SearchVectorField
from django.db import models


class Category(models.Model):
    name = models.CharField(max_length=100)
    slug = models.SlugField(max_length=120)

    class Meta:
        managed = False
        db_table = "store_category"

    def __str__(self) -> str:
        return self.name


class Product(models.Model):
    category = models.ForeignKey(Category, on_delete=models.DO_NOTHING, related_name="products")
    name = models.CharField(max_length=200)
    slug = models.SlugField(max_length=220)
    sku = models.CharField(max_length=64)
    description = models.TextField()
    price = models.DecimalField(max_digits=10, decimal_places=2)
    discount_price = models.DecimalField(max_digits=10, decimal_places=2, null=True)
    stock = models.PositiveIntegerField()
    is_active = models.BooleanField()
    search_vector = SearchVectorField(null=True)
    created_at = models.DateTimeField()
    updated_at = models.DateTimeField()

    class Meta:
        managed = False
        db_table = "store_product"
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return self.name
