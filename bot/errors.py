"""The one error family the bot shows to people.

A ``UserError`` is expected (bad input, missing permission, unknown cohort):
its message is written for the person who caused it and is shown to them
as is. Anything else is a bug: logged with a reference id, and the person
gets an apology naming that id.
"""


class UserError(Exception):
    """An expected error whose message tells the user what to do."""


class NotFound(UserError):
    """Something the user named does not exist."""


class NotAllowed(UserError):
    """The user may not do this (not an instructor, not in the cohort)."""


class InvalidInput(UserError):
    """An option's value is malformed (a date, a time zone, a URL)."""
