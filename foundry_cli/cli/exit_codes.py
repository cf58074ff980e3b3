from enum import IntEnum


class ExitCode(IntEnum):
    """DESIGN §6."""

    OK = 0
    FAILED = 1  # a request or check failed
    USAGE = 2
    CONFIG = 3  # no profile, bad config, missing endpoint
    AUTH = 4  # authentication / authorization
    INTERRUPTED = 130
    #: the reader of stdout went away (`fclaude ask ... | head -1`): 128 + SIGPIPE, what a shell
    #: reports for a program that the closed pipe stopped
    CLOSED_PIPE = 141
