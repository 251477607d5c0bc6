from django.urls import path
from rest_framework.routers import SimpleRouter

from accounts import views

router = SimpleRouter()
router.register("addresses", views.AddressViewSet, basename="address")

urlpatterns = [
    path("auth/register/", views.RegisterView.as_view(), name="register"),
    path("register/", views.RegisterAliasView.as_view(), name="register-alias"),
    path("auth/token/", views.TokenObtainView.as_view(), name="token-obtain"),
    path("auth/token/refresh/", views.TokenRotateView.as_view(), name="token-refresh"),
    path("auth/logout/", views.LogoutView.as_view(), name="logout"),
    path("auth/logout/all/", views.LogoutAllView.as_view(), name="logout-all"),
    path("auth/password/change/", views.PasswordChangeView.as_view(), name="password-change"),
    path("auth/password/reset/", views.PasswordResetRequestView.as_view(), name="password-reset"),
    path("auth/password/reset/confirm/", views.PasswordResetConfirmView.as_view(), name="password-reset-confirm"),
    path("auth/email/verify/", views.EmailVerifyView.as_view(), name="email-verify"),
    path("auth/email/resend/", views.EmailVerificationResendView.as_view(), name="email-verification-resend"),
    path("profile/", views.ProfileView.as_view(), name="profile"),
    path("auth/profile/", views.ProfileAliasView.as_view(), name="profile-alias"),
    *router.urls,
]
