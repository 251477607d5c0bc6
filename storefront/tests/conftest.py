from payments.tests.conftest import daraja, stripe_server  # noqa: F401 (Stripe and M-Pesa against their fake servers)
