from django.apps import AppConfig


class StoreConfig(AppConfig):
    name = "store"
    verbose_name = "Store"

    def ready(self) -> None:
        from django.db.models.signals import post_delete

        from accounts.signals import account_deleted
        from store.catalog_cache import catalog_writes_watch
        from store.models import ProductImage
        from store.receivers import account_deleted_forget, product_image_files_forget

        account_deleted.connect(account_deleted_forget, dispatch_uid="store.account_deleted_forget")
        post_delete.connect(product_image_files_forget, sender=ProductImage, dispatch_uid="store.product_image_files")
        catalog_writes_watch()
