"""Prove that backcare runs as several instances behind a proxy (`make cluster-check`).

On loopback only, this starts PostgreSQL and Redis (scripts/services), a fresh database,
two gunicorn instances (A on :8201, B on :8202) and nginx running deploy/nginx.conf with
only its ports and paths changed (plain http on :8200, TLS on :8243). Then it checks that:

- /healthz answers through the proxy, and TLS ends at nginx;
- a symptom check can move between instances (shared sessions and CSRF tokens);
- an edit published through A is served by B at once (shared cache invalidation);
- nginx caches static files and nothing else, and logs no query strings;
- an unknown Host is closed by nginx (444) and gets a plain 400 from the app;
- a flood of failed log-ins through nginx is refused there, and a public page keeps
  answering in well under a second;
- under a steady stream of visitors no request is lost while B reloads its workers
  (SIGHUP), A is drained at nginx and stopped (SIGTERM), and A is listed again while
  still stopped (nginx passes refused requests on to B); the proxy uses A again once it
  is back, and with no instance left nginx shows its fallback page.

It prints a line per check and exits 1 if any fails. Everything it started is stopped,
and its temporary folder removed, even on failure.

One module for each job: `config` (ports, names), `commands` (packages, database,
manage.py), `processes` (/proc, waiting), `cluster` (starting and stopping gunicorn and
nginx) with `nginx` (its configuration), `browser` (a visitor over HTTP), `pages`
(reading pages and forms), `journeys` (the symptom checker and the admin, as a visitor
walks them), the checks in `shared_state`, `proxy` and `stream`, `report` (a line per
check) and `__main__`, which runs them in order. Run it as `make cluster-check`
(`python -m scripts.cluster_check` from the repository's root).
"""
