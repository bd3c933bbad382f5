"""Turn errors: raise one from a method to fail the turn with that WIT
`handle-error` case. The host commits nothing for a failed turn.

Any other exception that escapes a method traps the instance (the host
answers `guest_trap` and starts the actor afresh on its next message).
"""


class ActorError(Exception):
    """Base of the errors that fail a turn cleanly."""

    def __init__(self, message: str = ""):
        super().__init__(message)
        self.message = str(message)


class UnknownMethod(ActorError):
    """The method name is not one this class understands."""


class BadRequest(ActorError):
    """The payload could not be decoded or was invalid for the method."""


class Failed(ActorError):
    """The request was understood but the actor refused or failed it."""
