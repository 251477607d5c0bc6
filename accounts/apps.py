from django.apps import AppConfig
from django.db.models.signals import post_migrate, post_save


class AccountsConfig(AppConfig):
    name = "accounts"
    verbose_name = "Accounts"

    def ready(self) -> None:
        from accounts import signals
        from accounts.models import User

        post_save.connect(signals.create_profile_for_new_user, sender=User, dispatch_uid="accounts_profile")
        post_migrate.connect(signals.sync_store_managers_group, dispatch_uid="accounts_managers_group")
