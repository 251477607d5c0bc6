from django.db import migrations

# The facet revision: a number that changes with every committed write to what facets count (a product's
# category, prices, activity or attribute value copies; see `store_facet_counted`, migration 0013): a process
# keeping a copy of those columns in memory uses it only while the row still holds the number the copy was read
# with. The number comes from a sequence, so it is never handed out twice, even by a write that is rolled back:
# no two states of the catalog share one. Stock and rating updates leave it alone, so checkout never waits on
# it. Catalog writes that change counted columns wait for each other until commit; the revision triggers sort
# before the facet count triggers (same event, names in order), so a writer takes this row before any counter
# row, and two writers cannot deadlock on counters.
FORWARD = """
CREATE SEQUENCE store_facet_revision_seq;
CREATE TABLE store_facetrevision (
    id boolean PRIMARY KEY DEFAULT true CHECK (id),
    version bigint NOT NULL
);
INSERT INTO store_facetrevision (version) VALUES (nextval('store_facet_revision_seq'));

CREATE FUNCTION store_facet_revision_bump() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    UPDATE store_facetrevision SET version = nextval('store_facet_revision_seq');
    RETURN NULL;
END
$$;

CREATE FUNCTION store_facet_revision_update() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF EXISTS (
        SELECT FROM new_rows AS n JOIN old_rows AS o ON o.id = n.id
        WHERE store_facet_counted(n::store_product, o::store_product)
    ) THEN
        UPDATE store_facetrevision SET version = nextval('store_facet_revision_seq');
    END IF;
    RETURN NULL;
END
$$;

CREATE TRIGGER store_catalog_facet_revision_insert AFTER INSERT ON store_product
    FOR EACH STATEMENT EXECUTE FUNCTION store_facet_revision_bump();
CREATE TRIGGER store_catalog_facet_revision_delete AFTER DELETE ON store_product
    FOR EACH STATEMENT EXECUTE FUNCTION store_facet_revision_bump();
CREATE TRIGGER store_catalog_facet_revision_truncate AFTER TRUNCATE ON store_product
    FOR EACH STATEMENT EXECUTE FUNCTION store_facet_revision_bump();
CREATE TRIGGER store_catalog_facet_revision_update AFTER UPDATE ON store_product
    REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION store_facet_revision_update();
"""
BACKWARD = """
DROP TRIGGER store_catalog_facet_revision_insert ON store_product;
DROP TRIGGER store_catalog_facet_revision_delete ON store_product;
DROP TRIGGER store_catalog_facet_revision_truncate ON store_product;
DROP TRIGGER store_catalog_facet_revision_update ON store_product;
DROP FUNCTION store_facet_revision_bump();
DROP FUNCTION store_facet_revision_update();
DROP TABLE store_facetrevision;
DROP SEQUENCE store_facet_revision_seq;
"""


class Migration(migrations.Migration):
    dependencies = [
        ("store", "0013_facet_counts"),
    ]

    operations = [migrations.RunSQL(FORWARD, BACKWARD)]
