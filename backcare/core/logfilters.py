"""Logging filters."""

import logging


class WithoutTraceback(logging.Filter):
    """A refused request (a bad Host header, a body too big) is the client's mistake, not
    a fault: log its one-line message as a warning, without the traceback Django attaches."""

    def filter(self, record: logging.LogRecord) -> bool:
        record.exc_info = None
        record.exc_text = None
        if record.levelno > logging.WARNING:
            record.levelno, record.levelname = logging.WARNING, "WARNING"
        return True
