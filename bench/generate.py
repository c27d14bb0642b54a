#!/usr/bin/env python3
"""Generate a deterministic corpus of realistic Kubernetes manifests for bench/scan.sh.

Each file holds one apps/v1 Deployment (two containers with image, ports, env including
valueFrom references, probes, resources on some, securityContext on some, volumes) and one
Service, about 1 KB per file. Files are spread over `part0`..`partN` subdirectories of
`--per-part` files each, so that nested subsets (part0, part0+part1, ...) can be scanned to
see how memory grows with input size.

    python3 bench/generate.py --out bench/out/gen --count 5000 --seed 20240601

Only the standard library is used; the output depends only on --count, --per-part and --seed.
"""

import argparse
import os
import random
import shutil
import sys

TEAMS = ["payments", "search", "checkout", "identity", "catalog", "billing", "ledger", "media"]
COMPONENTS = ["api", "worker", "gateway", "indexer", "scheduler", "frontend", "sync", "ingest"]
REGISTRIES = ["ghcr.io/acme", "registry.acme.io/platform", "docker.io/acme", "quay.io/acme"]
APP_IMAGES = ["orders", "inventory", "users", "reports", "notifier", "auth", "pricing", "search"]
SIDECARS = [
    ("envoy", "envoyproxy/envoy", ["v1.29.1", "v1.30.2", "v1.31.0"], 9901),
    ("fluent-bit", "fluent/fluent-bit", ["2.2.2", "3.0.4", "3.1.7"], 2020),
    ("otel", "otel/opentelemetry-collector", ["0.98.0", "0.104.0"], 4317),
    ("statsd", "prom/statsd-exporter", ["v0.26.0", "v0.27.1"], 9102),
]
LOG_LEVELS = ["debug", "info", "warn"]


def deployment_and_service(rng: random.Random, index: int) -> str:
    team = rng.choice(TEAMS)
    component = rng.choice(COMPONENTS)
    name = f"{component}-{index:05d}"
    namespace = f"{team}-{rng.choice(['prod', 'staging', 'dev'])}"
    image = f"{rng.choice(REGISTRIES)}/{rng.choice(APP_IMAGES)}:{rng.randint(1, 4)}.{rng.randint(0, 30)}.{rng.randint(0, 9)}"
    port = rng.choice([8080, 8000, 3000, 9090, 5000])
    side_name, side_image, side_tags, side_port = rng.choice(SIDECARS)
    replicas = rng.choice([1, 2, 3, 5])

    # Resources on about two thirds of the app containers, securityContext on about half:
    # the rest produce findings (missing limits, missing runAsNonRoot, ...).
    if rng.random() < 0.65:
        cpu = rng.choice(["100m", "250m", "500m", "1"])
        mem = rng.choice(["128Mi", "256Mi", "512Mi", "1Gi"])
        limit = rng.choice(["1", "2"])
        resources = (
            "        resources:\n"
            f"          requests: {{cpu: {cpu}, memory: {mem}}}\n"
            f"          limits: {{cpu: \"{limit}\", memory: {mem}}}\n"
        )
    else:
        resources = ""
    if rng.random() < 0.5:
        security = (
            "        securityContext:\n"
            "          runAsNonRoot: true\n"
            f"          allowPrivilegeEscalation: {rng.choice(['false', 'false', 'true'])}\n"
            "          capabilities: {drop: [ALL]}\n"
        )
    else:
        security = ""
    side_resources = "        resources: {limits: {memory: 64Mi}}\n" if rng.random() < 0.3 else ""

    return f"""apiVersion: apps/v1
kind: Deployment
metadata:
  name: {name}
  namespace: {namespace}
  labels: {{app: {name}}}
spec:
  replicas: {replicas}
  selector:
    matchLabels: {{app: {name}}}
  template:
    metadata:
      labels: {{app: {name}}}
    spec:
      containers:
      - name: app
        image: {image}
        ports: [{{containerPort: {port}}}]
        env:
        - {{name: LOG_LEVEL, value: {rng.choice(LOG_LEVELS)}}}
        - name: DB_PASSWORD
          valueFrom: {{secretKeyRef: {{name: {team}-db, key: password}}}}
        readinessProbe:
          httpGet: {{path: /healthz, port: {port}}}
        livenessProbe:
          tcpSocket: {{port: {port}}}
{resources}{security}        volumeMounts: [{{name: tmp, mountPath: /tmp}}]
      - name: {side_name}
        image: {side_image}:{rng.choice(side_tags)}
        ports: [{{containerPort: {side_port}}}]
        env:
        - {{name: POD_IP, valueFrom: {{fieldRef: {{fieldPath: status.podIP}}}}}}
{side_resources}      volumes:
      - name: tmp
        emptyDir: {{}}
---
apiVersion: v1
kind: Service
metadata:
  name: {name}
  namespace: {namespace}
spec:
  selector: {{app: {name}}}
  ports:
  - {{port: 80, targetPort: {port}}}
"""


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", required=True, help="output directory (emptied first)")
    parser.add_argument("--count", type=int, default=5000)
    parser.add_argument("--per-part", type=int, default=1250)
    parser.add_argument("--seed", type=int, default=20240601)
    args = parser.parse_args()

    rng = random.Random(args.seed)
    if os.path.isdir(args.out):
        shutil.rmtree(args.out)
    total = 0
    for index in range(args.count):
        part = os.path.join(args.out, f"part{index // args.per_part}")
        if index % args.per_part == 0:
            os.makedirs(part, exist_ok=True)
        data = deployment_and_service(rng, index).encode()
        with open(os.path.join(part, f"app-{index:05d}.yaml"), "wb") as f:
            f.write(data)
        total += len(data)
    print(f"generated {args.count} files, {total} bytes ({total / 1e6:.2f} MB), seed {args.seed}, in {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
