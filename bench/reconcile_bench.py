#!/usr/bin/env python3
"""Benchmark: reconciling 1,000 scopes against hubagent-mock with 20 ms of
injected latency on every Cost Management call. Reports the steady-state wall
time against the same agent run serially (--concurrency 1) in the same run,
the calls per scope, the writes, and peak RSS. Prints one JSON line."""
import json
import os
import subprocess
import sys
import tempfile
import time
import urllib.request

build = sys.argv[1] if len(sys.argv) > 1 else "build/release"
scopes = int(sys.argv[2]) if len(sys.argv) > 2 else 1000
latency_ms = int(sys.argv[3]) if len(sys.argv) > 3 else 20
hubagent = os.path.join(build, "agent", "hubagent")
mock_binary = os.path.join(build, "mock-server", "hubagent-mock")
work = tempfile.mkdtemp(prefix="hubagent-bench-")

tenant = "11111111-1111-1111-1111-111111111111"
subscriptions = [f"{i:08x}-0000-4000-8000-000000000000" for i in range(scopes)]
storage = ("/subscriptions/" + subscriptions[0] + "/resourceGroups/rg-hub/providers/"
           "Microsoft.Storage/storageAccounts/hubstorage")
config = {
    "tenants": [tenant],
    "principals": [{"name": "bench-sp", "client_id": "aaaaaaaa-0000-0000-0000-000000000001",
                    "object_id": "bbbbbbbb-0000-0000-0000-000000000001",
                    "secrets": ["bench-secret"]}],
    "management_groups": [{"id": "mg-root"}],
    "subscriptions": [{"id": s, "management_group": "mg-root",
                       "resource_groups": ["rg-hub"] if i == 0 else []}
                      for i, s in enumerate(subscriptions)],
    "role_assignments": [{"principal": "bbbbbbbb-0000-0000-0000-000000000001", "role": "Owner",
                          "scope": "/providers/Microsoft.Management/managementGroups/mg-root"}],
    "storage_accounts": [{"resource_id": storage}],
    # Throttling is measured by the backfill benchmark; this one measures fan-out.
    "throttling": {"enabled": False},
    "faults": [{"route": "exports.*", "probability": 1, "fault": {"delay_ms": latency_ms}}],
}
with open(os.path.join(work, "mock.json"), "w") as f:
    json.dump(config, f)
with open(os.path.join(work, "settings.json"), "w") as f:
    json.dump({"$schema": "https://aka.ms/finops/hubs/settings-schema", "scopes": [{"scope": "/subscriptions/" + s} for s in subscriptions]}, f)

mock = subprocess.Popen([mock_binary, "--config", os.path.join(work, "mock.json"),
                         "--ca-out", os.path.join(work, "ca.pem")],
                        stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
try:
    endpoints = json.loads(mock.stdout.readline())
    env = dict(os.environ,
               AZURE_TENANT_ID=tenant, AZURE_CLIENT_ID="aaaaaaaa-0000-0000-0000-000000000001",
               AZURE_CLIENT_SECRET="bench-secret", AZURE_AUTHORITY_HOST=endpoints["login"],
               HUBAGENT_ARM_ENDPOINT=endpoints["arm"], HUBAGENT_CA_BUNDLE=endpoints["ca"],
               HUBAGENT_HUB_NAME="bench", HUBAGENT_STORAGE_ACCOUNT_ID=storage,
               HUBAGENT_SETTINGS=os.path.join(work, "settings.json"),
               HUBAGENT_STATE=os.path.join(work, "state.db"), HUBAGENT_LOG_FORMAT="json")

    def admin(method, path):
        request = urllib.request.Request(endpoints["admin"] + path, method=method)
        with urllib.request.urlopen(request) as reply:
            return json.load(reply)

    def run(*extra):
        start = time.monotonic()
        with open(os.path.join(work, "agent.log"), "w+") as log:
            child = subprocess.Popen([hubagent, "run", "--once", "--no-runs", *extra], env=env,
                                     stdout=subprocess.DEVNULL, stderr=log)
            _, status, usage = os.wait4(child.pid, 0)
            elapsed = time.monotonic() - start
            code = os.waitstatus_to_exitcode(status)
            if code != 0:
                log.seek(0)
                sys.exit(f"hubagent exited {code}: " + log.read()[-3000:])
        return elapsed, usage.ru_maxrss

    create_seconds, create_rss = run()
    admin("DELETE", "/admin/requests")
    steady_seconds, steady_rss = run()
    counts = admin("GET", "/admin/requests")["counts"]
    serial_seconds, _ = run("--concurrency", "1")
    result = {
        "benchmark": "reconcile", "scopes": scopes, "latency_ms": latency_ms,
        "create_seconds": round(create_seconds, 3),
        "steady_seconds": round(steady_seconds, 3),
        "yardstick_serial_seconds": round(serial_seconds, 3),
        "ratio_to_serial": round(steady_seconds / serial_seconds, 3),
        "calls_per_scope": counts.get("exports.list", 0) / scopes,
        "steady_writes": counts.get("exports.put", 0) + counts.get("exports.delete", 0),
        "max_rss_mb": round(max(create_rss, steady_rss) / 1024, 1),
    }
    print(json.dumps(result))
finally:
    mock.terminate()
    mock.wait()
