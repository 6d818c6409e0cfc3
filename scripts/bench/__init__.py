"""`make bench`: backcare against bare Django, under the same gunicorn config.

Not a test: it prints figures and compares them with targets. Target misses are
reported (exit 0); the script exits 1 when the soak saw any error and 2 when something
could not run at all.

What it does, all on loopback (one module for each job):
 1. installs wrk (and Chromium, through scripts/ensure-chromium) when missing (`tools`);
 2. builds a throwaway database (SQLite in /tmp/backcare-bench, or BENCH_DATABASE_URL
    with BENCH_REDIS_URL), migrates, loads content/, collects static files (`servers`);
 3. starts backcare (127.0.0.1:8301) and scripts/bench_bare.py (127.0.0.1:8302) under
    deploy/gunicorn.conf.py with the same worker count, the access log and worker
    recycling off, and as a reference the bare view reading backcare's session
    (127.0.0.1:8303) (`servers`);
 4. starts a symptom checker session and answers two steps (`checker`);
 5. warms up, then runs wrk on each target (same threads, connections, duration) (`load`,
    with where the CPU went from `cpu`);
 6. measures first-visit page weight in Chromium (headless, Debian's /usr/bin/chromium)
    (`weight`);
 7. soaks a mix of pages with wrk and counts every error (`load`);
 8. reads the gunicorn workers' memory (`memory`), stops the servers, prints the table
    and the targets (`report`). `__main__` runs the steps in order.

Run it as `make bench` (`python -m scripts.bench` from the repository's root).

Environment: BENCH_SECONDS (10), BENCH_CONNECTIONS (32), BENCH_THREADS (2),
BENCH_WARMUP_SECONDS (3), BENCH_SOAK_SECONDS (60), BENCH_SOAK_CONNECTIONS (64),
BENCH_DATABASE_URL, BENCH_REDIS_URL; BACKCARE_COUNT_CHECKS=false for the outcome row with
counting off; WEB_CONCURRENCY and GUNICORN_CMD_ARGS (e.g. --preload)
reach both servers, other BACKCARE_* settings reach backcare.
"""
