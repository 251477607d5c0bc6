"""The catalog response cache: rendered catalog answers in Redis, under a catalog version that every committed
catalog write replaces.

A cached answer is stored with the version current when it was read, and served only while that is still the
version (both are read in one round trip), so a write retires every older answer at once, without finding or
deleting them. The version is replaced *after* the write's commit (`transaction.on_commit`, in the committing
thread; see `catalog_version_bump`): a request that starts once the write returned reads the new version, and
an answer read under the old one is stored marked with it, and never served.

What replaces the version (see `catalog_version_bump` callers and `catalog_writes_watch`):
- every save and delete of a catalog row (category, product, image, attribute, attribute value, product
  attribute value, review) and every change of an attribute's categories, through model signals: the
  services, the admin, the seed's single-row saves and the image renditions job;
- the writes that send no signal, each in its function: `stock_apply` (every stock change: checkout, cancel,
  expiry, restock, returns, adjustments), `product_ratings_refresh` (every review change),
  `product_attribute_copies_refresh` (every attribute value change), and the seed's bulk inserts;
- a change of a user's first name or username, which reviews show as their author's name.

Redis down: the cache's circuit breaker answers "no version", and the answer is built from the database. A bump
lost while Redis was unreachable leaves older answers readable once it is back: entries expire after
`CATALOG_CACHE_SECONDS`, which bounds that.
"""

import hashlib
import uuid
from dataclasses import dataclass
from urllib.parse import parse_qsl, urlencode

from django.conf import settings
from django.core.cache import cache
from django.db import transaction

CATALOG_VERSION_KEY = "catalog:version"


@dataclass(frozen=True)
class CachedAnswer:
    version: str
    etag: str
    content_type: str
    body: bytes
    # The view's `Allow` header (its methods), repeated by the hit path, which answers before the view.
    allow: str = ""


@dataclass(frozen=True)
class AnswerMissed:
    """A lookup that found no answer: its key, and the catalog version it read (None: the cache is unreachable)."""

    key: str
    version: str | None


def catalog_version() -> str | None:
    """The current catalog version, created when absent; None when the cache cannot be reached."""
    version = cache.get(CATALOG_VERSION_KEY)
    if version is None:
        cache.add(CATALOG_VERSION_KEY, uuid.uuid4().hex, timeout=None)
        version = cache.get(CATALOG_VERSION_KEY)
    return version


def _version_replace() -> None:
    cache.set(CATALOG_VERSION_KEY, uuid.uuid4().hex, timeout=None)


def catalog_version_bump() -> None:
    """Replace the catalog version now and, inside a transaction, once more after it commits.

    The replacement after the commit is the one other connections need: until then they read the old rows, and
    may store answers under the intermediate version, which it retires. The one made at once serves reads in the
    writing transaction itself (each test of the suite runs in one). A transaction writing many catalog rows
    registers its replacement after the commit once."""
    _version_replace()
    connection = transaction.get_connection()
    if connection.in_atomic_block and not any(
        callback is _version_replace for _, callback, _ in connection.run_on_commit
    ):
        transaction.on_commit(_version_replace)


def query_normalised(query_string: str) -> str:
    """The query's parameters sorted by name, so that `?b=2&a=1` and `?a=1&b=2` are one entry; the values of a
    repeated parameter keep their order (`?page=1&page=2` is not `?page=2&page=1`: the last one counts)."""
    return urlencode(sorted(parse_qsl(query_string, keep_blank_values=True), key=lambda pair: pair[0]))


def answer_key(*, url: str, query_string: str, media_type: str) -> str:
    """The entry of one answer: the absolute URL without its query (pagination links in the body are absolute),
    the normalised query and the media type it is rendered in."""
    request_key = f"{url}?{query_normalised(query_string)}|{media_type}"
    return f"catalog:answer:{hashlib.sha256(request_key.encode()).hexdigest()}"


def answer_lookup(key: str) -> tuple[str | None, CachedAnswer | None]:
    """The current catalog version (None when the cache cannot be reached) and the answer stored under `key` if
    it was read under that version: one round trip on a hit."""
    found = cache.get_many([CATALOG_VERSION_KEY, key])
    version = found.get(CATALOG_VERSION_KEY)
    if version is None:
        return catalog_version(), None
    answer = found.get(key)
    return version, answer if answer is not None and answer.version == version else None


def answer_set(key: str, answer: CachedAnswer) -> None:
    cache.set(key, answer, timeout=settings.CATALOG_CACHE_SECONDS)


def etag_of(body: bytes) -> str:
    return '"' + hashlib.blake2b(body, digest_size=16).hexdigest() + '"'


def catalog_changed(sender, **kwargs) -> None:
    """Receiver for the catalog models' saves and deletes (and an attribute's categories changing)."""
    catalog_version_bump()


def review_author_renamed(sender, *, instance, created: bool, update_fields=None, **kwargs) -> None:
    """Reviews show their author's first name or username; only a change of those bumps the version."""
    if created or (update_fields is not None and not {"first_name", "username"} & set(update_fields)):
        return
    catalog_version_bump()


def catalog_migrated(sender, **kwargs) -> None:
    """A release's `migrate` may change what answers hold (a new field, a data migration): none stored before
    it is served after it."""
    if sender.name == "store":
        catalog_version_bump()


def catalog_writes_watch() -> None:
    """Connect the receivers (from `StoreConfig.ready`)."""
    from django.contrib.auth import get_user_model
    from django.db.models.signals import m2m_changed, post_delete, post_migrate, post_save

    from store.models import Attribute, AttributeValue, Category, Product, ProductAttributeValue, ProductImage, Review

    for model in (Category, Product, ProductImage, Attribute, AttributeValue, ProductAttributeValue, Review):
        uid = f"store.catalog_changed.{model.__name__}"
        post_save.connect(catalog_changed, sender=model, dispatch_uid=uid + ".save")
        post_delete.connect(catalog_changed, sender=model, dispatch_uid=uid + ".delete")
    m2m_changed.connect(
        catalog_changed, sender=Attribute.categories.through, dispatch_uid="store.catalog_changed.attribute_categories"
    )
    post_save.connect(review_author_renamed, sender=get_user_model(), dispatch_uid="store.review_author_renamed")
    post_migrate.connect(catalog_migrated, dispatch_uid="store.catalog_migrated")
