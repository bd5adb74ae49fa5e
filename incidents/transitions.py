"""The one error every workflow's table of allowed moves raises: a case's status, a sanction's
lifecycle, a letter's, a complaint's. A ValidationError, so forms and views show its message."""

from django.core.exceptions import ValidationError


class IllegalTransition(ValidationError):
    pass
