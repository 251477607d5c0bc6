"""Keep `Product.search_vector` current inside PostgreSQL.

The document weighs name and SKU (A) over the category name (B) and the description (C), with the
'english' configuration so word forms match ("phones" finds "Phone"). Triggers rather than application
code keep it current, so every write path — API, admin, bulk inserts, raw updates — is covered:
- a product's vector is recomputed on insert and whenever its name, SKU, description or category changes,
  and whenever a write carries a different or no vector (a stale in-memory copy is never kept);
- renaming a category clears its products' vectors, which makes the product trigger recompute them.
"""

from django.db import migrations

FORWARD = """
CREATE FUNCTION store_product_search_document(name text, sku text, category_name text, description text)
RETURNS tsvector LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
    SELECT setweight(to_tsvector('english'::regconfig, coalesce(name, '')), 'A')
        || setweight(to_tsvector('english'::regconfig, coalesce(sku, '')), 'A')
        || setweight(to_tsvector('english'::regconfig, coalesce(category_name, '')), 'B')
        || setweight(to_tsvector('english'::regconfig, coalesce(description, '')), 'C')
$$;

CREATE FUNCTION store_product_search_vector_refresh() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    NEW.search_vector := store_product_search_document(
        NEW.name, NEW.sku, (SELECT c.name FROM store_category c WHERE c.id = NEW.category_id), NEW.description
    );
    RETURN NEW;
END
$$;

CREATE TRIGGER store_product_search_vector_insert
    BEFORE INSERT ON store_product
    FOR EACH ROW EXECUTE FUNCTION store_product_search_vector_refresh();

CREATE TRIGGER store_product_search_vector_update
    BEFORE UPDATE ON store_product
    FOR EACH ROW
    WHEN (
        OLD.name IS DISTINCT FROM NEW.name
        OR OLD.sku IS DISTINCT FROM NEW.sku
        OR OLD.description IS DISTINCT FROM NEW.description
        OR OLD.category_id IS DISTINCT FROM NEW.category_id
        OR OLD.search_vector IS DISTINCT FROM NEW.search_vector
        OR NEW.search_vector IS NULL
    )
    EXECUTE FUNCTION store_product_search_vector_refresh();

CREATE FUNCTION store_category_renamed() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    UPDATE store_product SET search_vector = NULL WHERE category_id = NEW.id;
    RETURN NULL;
END
$$;

CREATE TRIGGER store_category_search_rename
    AFTER UPDATE OF name ON store_category
    FOR EACH ROW
    WHEN (OLD.name IS DISTINCT FROM NEW.name)
    EXECUTE FUNCTION store_category_renamed();

UPDATE store_product SET search_vector = NULL;
"""

BACKWARD = """
DROP TRIGGER IF EXISTS store_category_search_rename ON store_category;
DROP FUNCTION IF EXISTS store_category_renamed();
DROP TRIGGER IF EXISTS store_product_search_vector_update ON store_product;
DROP TRIGGER IF EXISTS store_product_search_vector_insert ON store_product;
DROP FUNCTION IF EXISTS store_product_search_vector_refresh();
DROP FUNCTION IF EXISTS store_product_search_document(text, text, text, text);
"""


class Migration(migrations.Migration):
    dependencies = [("store", "0001_initial")]

    operations = [migrations.RunSQL(FORWARD, BACKWARD)]
