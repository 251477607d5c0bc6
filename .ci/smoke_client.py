"""The client side of `.ci/smoke`: drives the running stack over HTTP and through the broker.

Run by the fresh virtualenv's Python from the repository root, with the stack's environment. Every step
prints what it checked; any failure raises, so the process exits non-zero.
"""

import http.client
import json
import os
import sys
import time

BASE_PORT = int(os.environ["SMOKE_PORT"])
CLIENT_IP = os.environ["SMOKE_CLIENT_IP"]
# The stack's processes as "name:pid ...": a wait fails at once when one of them has died.
PROCESSES = dict(item.split(":") for item in os.environ["SMOKE_PIDS"].split())
# The stack runs with SECURE_SSL_REDIRECT on, as in production; clients say what a TLS-terminating proxy says.
HTTPS = {"X-Forwarded-Proto": "https"}
JOBS = [
    "store.tasks.low_stock_alert",
    "store.tasks.order_reminders",
    "core.tasks.cleanup_logs",
    "core.tasks.analyze_logs",
    "payments.tasks.orders_expire",
    "payments.tasks.payments_reconcile",
]
CLIENT_REQUESTS = 5
DASHBOARD_DEADLINE_SECONDS = 15
JOB_TIMEOUT_SECONDS = 60


class SmokeFailure(Exception):
    pass


def request(method, path, *, source="127.0.0.1", headers=None, body=None):
    connection = http.client.HTTPConnection("127.0.0.1", BASE_PORT, timeout=10, source_address=(source, 0))
    try:
        payload = None if body is None else json.dumps(body)
        all_headers = {**(headers or {}), **({"Content-Type": "application/json"} if payload else {})}
        connection.request(method, path, body=payload, headers=all_headers)
        response = connection.getresponse()
        raw = response.read()
        content_type = response.getheader("Content-Type", "")
        data = json.loads(raw) if raw and content_type.startswith("application/json") else raw
        return response.status, data, response
    finally:
        connection.close()


def processes_alive():
    for name, pid in PROCESSES.items():
        try:
            os.kill(int(pid), 0)
        except ProcessLookupError:
            raise SmokeFailure(f"{name} (pid {pid}) has exited") from None


def wait_until_healthy(deadline_seconds):
    """/api/health/ answers 200 with every component "ok", the worker included."""
    deadline = time.monotonic() + deadline_seconds
    last = None
    while time.monotonic() < deadline:
        processes_alive()
        try:
            last = request("GET", "/api/health/", headers=HTTPS)[:2]
        except OSError as error:
            last = error
        else:
            status, report = last
            components = ("database", "cache", "broker", "worker_heartbeat")
            if status == 200 and all(report.get(name) == "ok" for name in components):
                print(f"health: {report}")
                return
        time.sleep(0.5)
    raise SmokeFailure(f"/api/health/ did not report every component ok within {deadline_seconds} s: {last}")


def check_https_redirect():
    status, _, response = request("GET", "/api/products/")
    if status != 301 or not response.getheader("Location", "").startswith("https://"):
        raise SmokeFailure(f"a plain-HTTP request was not redirected to HTTPS (status {status})")
    print("plain HTTP is redirected to HTTPS")


def manager_token():
    credentials = {"username": os.environ["SMOKE_MANAGER"], "password": os.environ["SMOKE_MANAGER_PASSWORD"]}
    status, data, _ = request("POST", "/api/auth/token/", headers=HTTPS, body=credentials)
    if status != 200:
        raise SmokeFailure(f"token for the manager: {status} {data}")
    return data["access"]


def check_request_logs_reach_dashboard(token):
    for _ in range(CLIENT_REQUESTS):
        status, data, _ = request("GET", "/api/products/", source=CLIENT_IP, headers=HTTPS)
        if status != 200:
            raise SmokeFailure(f"GET /api/products/ from {CLIENT_IP}: {status} {data}")
    sent_at = time.monotonic()
    auth = {**HTTPS, "Authorization": f"Bearer {token}"}
    top_ips = None
    while time.monotonic() - sent_at < DASHBOARD_DEADLINE_SECONDS:
        processes_alive()
        status, data, _ = request("GET", "/api/security/dashboard/?top_n=100", headers=auth)
        if status != 200:
            raise SmokeFailure(f"GET /api/security/dashboard/: {status} {data}")
        top_ips = data["top_ips"]
        counted = sum(row["count"] for row in top_ips if row["ip"] == CLIENT_IP)
        if counted >= CLIENT_REQUESTS:
            print(f"dashboard counts {counted} requests from {CLIENT_IP} after {time.monotonic() - sent_at:.1f} s")
            return
        time.sleep(0.5)
    raise SmokeFailure(
        f"{CLIENT_REQUESTS} requests from {CLIENT_IP} were not on the dashboard within "
        f"{DASHBOARD_DEADLINE_SECONDS} s; top_ips: {top_ips}"
    )


def check_jobs_run_through_the_worker():
    """Each job is sent to the broker (results kept for this call only) and must succeed on the worker."""
    from duka_app.celery import app

    results = {name: app.send_task(name, ignore_result=False) for name in JOBS}
    for name, result in results.items():
        value = result.get(timeout=JOB_TIMEOUT_SECONDS)
        print(f"job {name}: {result.state} -> {value!r}")


def main():
    wait_until_healthy(float(sys.argv[1]) if len(sys.argv) > 1 else 90)
    check_https_redirect()
    check_request_logs_reach_dashboard(manager_token())
    check_jobs_run_through_the_worker()
    processes_alive()


if __name__ == "__main__":
    main()
