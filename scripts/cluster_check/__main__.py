"""`make cluster-check` (`python -m scripts.cluster_check`): see the package's docstring."""

from __future__ import annotations

import secrets
import shutil
import signal
import sys
import tempfile
import time
from pathlib import Path

from .browser import Browser
from .cluster import Cluster
from .commands import (
    drop_database,
    ensure_system_packages,
    fresh_database,
    ports_are_free,
    prepare_app,
    production_env,
)
from .config import DATABASE, PROXY, A, B, SetupFailed
from .journeys import log_in
from .proxy import (
    check_access_log_has_no_query_strings,
    check_healthz_through_proxy,
    check_login_flood_leaves_public_pages_fast,
    check_static_cached_by_proxy_only,
    check_tls_ends_at_proxy,
    check_unknown_host_refused,
)
from .report import Report
from .shared_state import (
    check_alternating_instances,
    check_content_edit_served_by_other_instance,
    check_flow_publish_served_by_other_instance,
    check_started_on_a_finishes_on_b,
)
from .stream import (
    Stream,
    check_drain_and_stop_loses_no_request,
    check_no_instance_left,
    check_refused_requests_passed_on,
    check_reload_loses_no_request,
    check_restarted_instance_used_again,
    check_stream_through_proxy,
    run_stream,
)


def main() -> int:
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))  # still clean up when stopped
    began = time.monotonic()
    tmp = Path(tempfile.mkdtemp(prefix="backcare-cluster-"))
    password = secrets.token_urlsafe(18)
    report = Report()
    cluster: Cluster | None = None
    try:
        step = time.monotonic()
        ports_are_free()
        cluster = Cluster(tmp, production_env(), ensure_system_packages())
        fresh_database()
        prepare_app(cluster.env, password)
        print(f"set up: services, database {DATABASE}, content, static, superuser", end=" ")
        print(f"[{time.monotonic() - step:.1f}s]", flush=True)
        step = time.monotonic()
        cluster.start_instance("A")
        cluster.start_instance("B")
        cluster.start_proxy()
        print(f"started gunicorn A {A} and B {B}, nginx {PROXY}", end=" ")
        print(f"[{time.monotonic() - step:.1f}s]", flush=True)
        run_checks(report, cluster, password)
    except SetupFailed as exc:
        report.failures += 1
        print(f"FAIL setting up the cluster: {exc}", flush=True)
    finally:
        if cluster is not None:
            cluster.stop_all()
            drop_database()
        shutil.rmtree(tmp, ignore_errors=True)
    took = time.monotonic() - began
    if report.failures:
        print(f"cluster check FAILED: {report.failures} problem(s) [{took:.0f}s]")
        return 1
    print(f"cluster check passed; everything stopped and removed [{took:.0f}s]")
    return 0


def run_checks(report: Report, cluster: Cluster, password: str) -> None:
    check_one_by_one(report, cluster, password)
    check_under_load(report, cluster)


def check_one_by_one(report: Report, cluster: Cluster, password: str) -> None:
    """Requests one at a time: the proxy, shared state between A and B, a log-in flood."""
    admin = Browser()
    certificate = cluster.prefix / "ssl" / "fullchain.pem"
    report.check("/healthz through the proxy is 200", check_healthz_through_proxy)
    report.check("TLS ends at nginx", lambda: check_tls_ends_at_proxy(certificate))
    report.check("a symptom check started on A finishes on B", check_started_on_a_finishes_on_b)
    report.check("symptom checks alternating A and B step by step", check_alternating_instances)
    report.check("log into the admin on A", lambda: log_in(admin, A, password))
    report.check(
        "a remedy published on A is served by B at once",
        lambda: check_content_edit_served_by_other_instance(admin),
    )
    report.check(
        "a symptom checker published on A is served by B at once",
        lambda: check_flow_publish_served_by_other_instance(admin),
    )
    report.check("nginx caches /static/ and nothing else", check_static_cached_by_proxy_only)
    report.check(
        "nginx's access log has no query strings",
        lambda: check_access_log_has_no_query_strings(cluster.tmp),
    )
    report.check("an unknown Host is refused by nginx and the app", check_unknown_host_refused)
    report.check(
        "a log-in flood through nginx leaves public pages fast",
        check_login_flood_leaves_public_pages_fast,
    )


def check_under_load(report: Report, cluster: Cluster) -> None:
    """A stream of visitors while instances reload, stop and come back; then none left."""
    streams: list[Stream] = []

    def stream_of_visitors() -> str:
        streams.append(run_stream(cluster))
        return check_stream_through_proxy(streams[0])

    report.check("a steady stream of visitors through nginx", stream_of_visitors)
    if not streams:
        return
    stream = streams[0]
    report.check(
        "SIGHUP to B under load: no request lost", lambda: check_reload_loses_no_request(stream)
    )
    report.check(
        "A drained at nginx, then SIGTERM, under load: no request lost",
        lambda: check_drain_and_stop_loses_no_request(stream),
    )
    report.check(
        "A back in the upstream while stopped: refused requests go to B",
        lambda: check_refused_requests_passed_on(stream),
    )
    report.check(
        "A restarted: the proxy uses it again", lambda: check_restarted_instance_used_again(cluster)
    )
    report.check("no instance left: nginx's fallback page", lambda: check_no_instance_left(cluster))


if __name__ == "__main__":
    sys.exit(main())
