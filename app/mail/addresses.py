"""E-mail addresses as Koers stores and compares them."""
from __future__ import annotations

from email_validator import EmailNotValidError, validate_email


class InvalidAddress(ValueError):
    """Not a usable e-mail address."""


def normalise_address(address: str) -> str:
    """The validated address in lowercase; raises InvalidAddress."""
    try:
        # test_environment: the reserved .test domain is allowed (demo and test accounts use it).
        valid = validate_email(address.strip(), check_deliverability=False, test_environment=True)
    except EmailNotValidError as error:
        raise InvalidAddress(str(error)) from None
    return valid.normalized.lower()
