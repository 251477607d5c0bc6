from django.urls import path

from storefront.views import shop_shell

app_name = "storefront"

urlpatterns = [
    path("", shop_shell, name="home"),
    path("<path:path>", shop_shell, name="page"),
]
