from django.apps import AppConfig


class BackofficeConfig(AppConfig):
    """The back office's home: the dashboard in Django admin (no models of its own)."""

    name = "backoffice"
