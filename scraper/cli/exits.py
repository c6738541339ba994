"""The exit codes of every command, which cron jobs and scripts act on (see README)."""

from __future__ import annotations

__all__ = [
    "EXIT_FAILED",
    "EXIT_INTERRUPTED",
    "EXIT_LOCKED",
    "EXIT_STORE",
    "EXIT_TERMINATED",
    "EXIT_UNAVAILABLE",
    "EXIT_USAGE",
]

#: Some inputs failed (each reported on stderr with its reason); the others were done.
EXIT_FAILED = 1
#: A bad option, argument or config (click gives its own usage errors the same code).
EXIT_USAGE = 2
#: Another crawl holds the store's run lock.
EXIT_LOCKED = 3
#: The store cannot be opened, read or written.
EXIT_STORE = 4
#: No extraction worker process could be started (the system refused one): no input's fault,
#: so none is counted as failed; a crawl's URLs stay due for the next run.
EXIT_UNAVAILABLE = 5
#: Stopped by Ctrl-C (128 + SIGINT, as shells report it).
EXIT_INTERRUPTED = 130
#: Stopped by SIGTERM (128 + SIGTERM).
EXIT_TERMINATED = 143
