"""The API's answer to each domain error the services raise: its status and `{detail, code, **data}`, or a field
error; the services' own tests assert only the error class, its code and its data."""

import inspect

import pytest

from accounts import errors as accounts_errors
from core import errors as core_errors
from duka_app.api.errors import domain_error_response
from duka_app.errors import DomainError
from payments import errors as payments_errors
from store import errors as store_errors

STATUS = {
    store_errors.UniqueValueTaken: 400,
    store_errors.CategoryGone: 400,
    store_errors.CategoryNotEmpty: 409,
    store_errors.CartQuantityInvalid: 400,
    store_errors.CartItemNotFound: 404,
    store_errors.CartEmpty: 400,
    store_errors.InsufficientStock: 409,
    store_errors.StockChanged: 409,
    store_errors.StockOutOfRange: 400,
    store_errors.ImageRejected: 400,
    store_errors.ImageTypeUnsupported: 400,
    store_errors.ImageTooLarge: 400,
    store_errors.ImageTooManyPixels: 400,
    store_errors.ImageCorrupt: 400,
    store_errors.ProductImageNotFound: 404,
    store_errors.ProductNotFound: 404,
    store_errors.ProductUnavailable: 409,
    store_errors.ProductOnRestockOrder: 409,
    store_errors.InvalidStatusTransition: 400,
    store_errors.TooManyPendingOrders: 409,
    store_errors.WishlistItemNotFound: 404,
    store_errors.WishlistFull: 409,
    store_errors.GuestCartNotFound: 404,
    store_errors.ReviewNotFound: 404,
    store_errors.ReviewNotAllowed: 403,
    store_errors.ReviewExists: 409,
    store_errors.InvalidRestockTransition: 400,
    store_errors.RestockLineUnknown: 400,
    store_errors.RestockQuantityAboveOrdered: 400,
    store_errors.ProductInStock: 409,
    store_errors.UnknownAttribute: 400,
    store_errors.InvalidAttributeFilter: 400,
    store_errors.InvalidAttributeValue: 400,
    store_errors.AttributeNotInCategory: 400,
    store_errors.AttributeValuesFixed: 400,
    accounts_errors.InvalidAccountToken: 400,
    accounts_errors.EmailNotVerified: 403,
    accounts_errors.EmailAlreadyVerified: 409,
    accounts_errors.AccountNotDeletable: 403,
    accounts_errors.PasswordIncorrect: 400,
    accounts_errors.AddressNotFound: 404,
    accounts_errors.TooManyAddresses: 409,
    payments_errors.ProviderNotAvailable: 400,
    payments_errors.ProviderNotConfigured: 404,
    payments_errors.PaymentRefused: 400,
    payments_errors.ProviderFailed: 502,
    payments_errors.OrderNotPayable: 409,
    payments_errors.PaymentInProgress: 409,
    payments_errors.PaymentNotFound: 404,
    payments_errors.OrderNotFound: 404,
    payments_errors.InvalidNotification: 400,
    payments_errors.UnknownPayment: 400,
    payments_errors.AmountMismatch: 400,
    payments_errors.PaymentNotRefundable: 409,
    payments_errors.RefundExceedsPayment: 400,
    payments_errors.ReferenceRequired: 400,
    payments_errors.DuplicateReference: 400,
    core_errors.AlreadyBlacklisted: 400,
    core_errors.IPNotBlockable: 400,
}


def domain_errors_of(module) -> set[type[DomainError]]:
    return {
        value
        for value in vars(module).values()
        if inspect.isclass(value) and issubclass(value, DomainError) and value.__module__ == module.__name__
    }


def test_every_domain_error_of_the_apps_has_its_status_here():
    apps = (accounts_errors, store_errors, core_errors, payments_errors)
    assert set().union(*map(domain_errors_of, apps)) == set(STATUS)


@pytest.mark.parametrize(("error_class", "status"), STATUS.items(), ids=[cls.__name__ for cls in STATUS])
def test_each_domain_error_is_answered_with_its_status_code_and_data(error_class, status):
    response = domain_error_response(error_class(stock=7))

    assert response.status_code == status
    assert response.data == {"detail": error_class.default_detail, "code": str(error_class.code), "stock": 7}


def test_an_error_about_one_field_is_that_fields_validation_error():
    response = domain_error_response(store_errors.UniqueValueTaken("Taken.", field="sku"))

    assert (response.status_code, response.data) == (400, {"sku": ["Taken."]})
