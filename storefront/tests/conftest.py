from payments.tests.conftest import daraja, stripe_server  # noqa: F401 (Stripe and M-Pesa against their fake servers)
from store.tests.conftest import django_assert_max_num_queries  # noqa: F401 (budgets count the endpoint's queries)
