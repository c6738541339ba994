"""Command-line interface: one module per command, wired in app.py.

Importing this package sets ``OPENBLAS_NUM_THREADS=1`` unless the environment already sets it,
before any command module loads numpy. scraper uses numpy for array passes in dedup and never
calls BLAS, but numpy's bundled OpenBLAS starts a thread per CPU on import, and those threads
busy-wait for work that never comes: about 0.1 s of CPU in every process that imports numpy (a
crawl and each dedup analysis worker, which inherit the setting), as much as a whole cron run
with nothing new spends on its own work. The CLI owns its process, so it may set this; the
library leaves the environment alone.
"""

import os as _os

_os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
