from django.apps import AppConfig


class StoreConfig(AppConfig):
    name = "store"
    verbose_name = "Store"

    def ready(self) -> None:
        from accounts.signals import account_deleted
        from store.receivers import account_deleted_forget

        account_deleted.connect(account_deleted_forget, dispatch_uid="store.account_deleted_forget")
