#!/usr/bin/env python3
"""Generate a deterministic, realistic Kubernetes audit log (JSON lines) for bench/audit.sh.

The events are built on the real events of the shared corpus (`audit-logs/falco-k8s-audit`,
`audit2rbac`, `rbac-tool-auditgen`; Panther's hand-written events are left out): each
generated event starts as a copy of one of them, keeping its shape (its apiVersion or lack of
one, its fields, its request and response objects), and then gets a new auditID, user, source
IP, user agent, timestamps, verb, object and response, drawn to look like a busy cluster:

- about 80% at level Metadata (no bodies): kubelets and controllers renewing leases, watching
  and listing, people reading; verbs get/list/watch/update/patch/create/delete;
- about 13% at level Request (the template's requestObject kept);
- about 7% at level RequestResponse (both bodies kept: the Falco pod creations are ~3 KB);
- about 4% denied (403, with the authorizer's `forbid` decision), some 404s, a few anonymous
  requests, exec and log subresources, impersonation.

    python3 bench/generate_audit.py --out bench/out/audit/audit.jsonl --count 400000 --seed 20240601

Only the standard library is used; the output depends only on --count, --seed and the corpus
files (whose checksums the corpus's sources.jsonl records).
"""

import argparse
import datetime
import json
import os
import random
import sys

FOLDERS = ["falco-k8s-audit", "audit2rbac", "rbac-tool-auditgen"]
SKIP = {"fal_01_003.json", "expected.json"}

# (group, version, resource, namespaced, weight)
RESOURCES = [
    ("coordination.k8s.io", "v1", "leases", True, 30),
    ("", "v1", "pods", True, 18),
    ("", "v1", "configmaps", True, 8),
    ("", "v1", "secrets", True, 5),
    ("", "v1", "endpoints", True, 5),
    ("discovery.k8s.io", "v1", "endpointslices", True, 5),
    ("", "v1", "services", True, 4),
    ("", "v1", "events", True, 4),
    ("", "v1", "nodes", False, 5),
    ("", "v1", "serviceaccounts", True, 2),
    ("", "v1", "namespaces", False, 2),
    ("apps", "v1", "deployments", True, 4),
    ("apps", "v1", "replicasets", True, 3),
    ("apps", "v1", "daemonsets", True, 1),
    ("batch", "v1", "jobs", True, 1),
    ("rbac.authorization.k8s.io", "v1", "clusterroles", False, 1),
    ("rbac.authorization.k8s.io", "v1", "rolebindings", True, 1),
    ("authorization.k8s.io", "v1", "subjectaccessreviews", False, 1),
]
VERBS = [("get", 30), ("list", 8), ("watch", 14), ("update", 22), ("patch", 10), ("create", 9), ("delete", 5), ("deletecollection", 2)]
NAMESPACES = ["kube-system", "kube-node-lease", "default", "monitoring", "ingress-nginx", "payments-prod", "search-prod", "checkout-staging", "identity-dev", "argocd"]
CONTROLLERS = ["replicaset-controller", "deployment-controller", "endpoint-controller", "endpointslice-controller", "daemon-set-controller", "job-controller", "namespace-controller", "generic-garbage-collector", "node-controller", "pod-garbage-collector"]
APP_ACCOUNTS = [("monitoring", "prometheus-k8s"), ("ingress-nginx", "ingress-nginx"), ("argocd", "argocd-application-controller"), ("payments-prod", "default"), ("kube-system", "coredns"), ("kube-system", "metrics-server")]
PEOPLE = [("alice@example.com", ["developers", "system:authenticated"]), ("bob@example.com", ["sre", "system:authenticated"]), ("kubernetes-admin", ["kubeadm:cluster-admins", "system:authenticated"]), ("ci-deployer", ["ci", "system:authenticated"])]
VERSION = "v1.30.2"
COMMIT = "39683505b630ff2121012f3c5b16215a1449d5ed"


def load_templates(corpus):
    root = os.path.join(corpus, "audit-logs")
    templates = []
    for folder in FOLDERS:
        directory = os.path.join(root, folder)
        for name in sorted(os.listdir(directory)):
            if name in SKIP or name.endswith((".md", ".yaml")):
                continue
            with open(os.path.join(directory, name), "rb") as f:
                for line in f:
                    if not line.strip():
                        continue
                    event = json.loads(line)
                    if isinstance(event, dict) and event.get("kind") == "Event":
                        templates.append(event)
    return templates


def weighted(rng, items):
    total = sum(item[-1] for item in items)
    pick = rng.uniform(0, total)
    for item in items:
        pick -= item[-1]
        if pick <= 0:
            return item
    return items[-1]


def uuid(rng):
    h = "%032x" % rng.getrandbits(128)
    return f"{h[:8]}-{h[8:12]}-4{h[13:16]}-{'89ab'[rng.randrange(4)]}{h[17:20]}-{h[20:]}"


def node_name(rng):
    return f"ip-10-0-{rng.randrange(4)}-{rng.randrange(2, 60)}.ec2.internal"


def actor(rng, resource):
    """(user, sourceIPs, userAgent, impersonatedUser or None)."""
    roll = rng.random()
    if resource == "leases" or roll < 0.30:
        node = node_name(rng)
        user = {"username": f"system:node:{node}", "groups": ["system:nodes", "system:authenticated"]}
        parts = node.split(".")[0].split("-")[1:]
        return user, [".".join(parts)], f"kubelet/{VERSION} (linux/amd64) kubernetes/{COMMIT[:7]}", None
    if roll < 0.62:
        name = rng.choice(CONTROLLERS)
        user = {
            "username": f"system:serviceaccount:kube-system:{name}",
            "uid": uuid(rng),
            "groups": ["system:serviceaccounts", "system:serviceaccounts:kube-system", "system:authenticated"],
        }
        return user, ["10.0.0.10"], f"kube-controller-manager/{VERSION} (linux/amd64) kubernetes/{COMMIT[:7]}/system:serviceaccount:kube-system:{name}", None
    if roll < 0.70:
        user = {"username": rng.choice(["system:kube-scheduler", "system:apiserver", "system:kube-controller-manager"]), "groups": ["system:authenticated"]}
        return user, ["::1" if user["username"] == "system:apiserver" else "10.0.0.10"], f"kube-scheduler/{VERSION} (linux/amd64) kubernetes/{COMMIT[:7]}/scheduler", None
    if roll < 0.88:
        namespace, name = rng.choice(APP_ACCOUNTS)
        pod = f"{name}-{rng.randrange(16**5):05x}-{rng.randrange(16**5):05x}"
        user = {
            "username": f"system:serviceaccount:{namespace}:{name}",
            "uid": uuid(rng),
            "groups": ["system:serviceaccounts", f"system:serviceaccounts:{namespace}", "system:authenticated"],
            "extra": {
                "authentication.kubernetes.io/credential-id": [f"JTI={uuid(rng)}"],
                "authentication.kubernetes.io/node-name": [node_name(rng)],
                "authentication.kubernetes.io/pod-name": [pod],
                "authentication.kubernetes.io/pod-uid": [uuid(rng)],
            },
        }
        ip = f"10.244.{rng.randrange(8)}.{rng.randrange(2, 250)}"
        return user, [ip], rng.choice(["Go-http-client/2.0", f"prometheus/2.53.0", "argocd-application-controller/v2.11.3 (linux/amd64)"]), None
    if roll < 0.99:
        name, groups = rng.choice(PEOPLE)
        user = {"username": name, "groups": list(groups)}
        ip = f"203.0.113.{rng.randrange(1, 255)}" if rng.random() < 0.5 else f"198.51.100.{rng.randrange(1, 255)}"
        agent = f"kubectl/v1.30.1 ({rng.choice(['darwin/arm64', 'linux/amd64', 'windows/amd64'])}) kubernetes/7c48c2b"
        impersonated = None
        if name == "kubernetes-admin" and rng.random() < 0.2:
            impersonated = {"username": rng.choice(["alice@example.com", "system:serviceaccount:ci:deployer"]), "groups": ["system:authenticated"]}
        return user, [ip], agent, impersonated
    user = {"username": "system:anonymous", "groups": ["system:unauthenticated"]}
    return user, [f"192.0.2.{rng.randrange(1, 255)}"], rng.choice(["curl/8.5.0", "python-requests/2.31.0", "Mozilla/5.0 zgrab/0.x"]), None


def uri(group, version, resource, namespace, name, subresource, verb, rng):
    base = f"/api/{version}" if group == "" else f"/apis/{group}/{version}"
    path = base + (f"/namespaces/{namespace}" if namespace else "") + f"/{resource}"
    if name:
        path += f"/{name}"
    if subresource:
        path += f"/{subresource}"
    if verb == "watch":
        path += f"?allowWatchBookmarks=true&resourceVersion={rng.randrange(10**6, 10**8)}&timeout={rng.randrange(5, 10)}m{rng.randrange(60)}s&timeoutSeconds={rng.randrange(300, 600)}&watch=true"
    elif verb == "list":
        path += "?limit=500&resourceVersion=0"
    elif subresource == "log":
        path += "?container=app&follow=true&tailLines=100"
    elif subresource == "exec":
        path += "?command=sh&container=app&stdin=true&stdout=true&tty=true"
    return path


def stamp(micros):
    moment = datetime.datetime(2024, 6, 1, tzinfo=datetime.timezone.utc) + datetime.timedelta(microseconds=micros)
    return moment.strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def generate(rng, templates, with_request, with_response, clock):
    roll = rng.random()
    if roll < 0.80:
        level = "Metadata"
        event = json.loads(json.dumps(rng.choice(templates)))
        event.pop("requestObject", None)
        event.pop("responseObject", None)
        group, version, resource, namespaced, _ = weighted(rng, RESOURCES)
        verb = weighted(rng, VERBS)[0]
        if resource == "leases":
            verb = rng.choice(["get", "update", "update"])
        namespace = ("kube-node-lease" if resource == "leases" else rng.choice(NAMESPACES)) if namespaced else ""
        subresource = ""
        if resource == "pods" and rng.random() < 0.15:
            subresource, verb = rng.choice([("status", "patch"), ("log", "get"), ("exec", "create"), ("binding", "create"), ("eviction", "create")])
        if resource == "nodes" and rng.random() < 0.5:
            subresource, verb = "status", "patch"
        if resource == "subjectaccessreviews":
            verb = "create"
        name = ""
        if verb not in ("list", "watch", "deletecollection") and (verb != "create" or subresource):
            name = f"{resource[:-1]}-{rng.randrange(16**6):06x}"
        if resource == "leases":
            name = node_name(rng)
        object_ref = {"resource": resource, "namespace": namespace, "name": name, "apiGroup": group, "apiVersion": version, "subresource": subresource}
        event["objectRef"] = {k: v for k, v in object_ref.items() if v}
    else:
        level = "Request" if roll < 0.93 else "RequestResponse"
        pool = with_request if level == "Request" else with_response
        event = json.loads(json.dumps(rng.choice(pool)))
        if level == "Request":
            event.pop("responseObject", None)
        object_ref = event.get("objectRef") or {}
        resource = object_ref.get("resource", "")
        verb = event.get("verb", "create")
        group = object_ref.get("apiGroup", "")
        version = object_ref.get("apiVersion", "v1")
        namespace = object_ref.get("namespace", "")
        if namespace:
            namespace = rng.choice(NAMESPACES)
            object_ref["namespace"] = namespace
        name = object_ref.get("name", "")
        subresource = object_ref.get("subresource", "")
    event["level"] = level
    event["auditID"] = uuid(rng)
    event["verb"] = verb
    user, ips, agent, impersonated = actor(rng, resource)
    event["user"] = user
    event["sourceIPs"] = ips
    event["userAgent"] = agent
    event.pop("impersonatedUser", None)
    if impersonated:
        event["impersonatedUser"] = impersonated
    event["requestURI"] = uri(group, version, resource, namespace, name, subresource, verb, rng)
    clock[0] += int(rng.expovariate(1 / 2500))  # ~400 requests/s
    received = clock[0]
    done = received + int(rng.expovariate(1 / 8000))
    stage = "ResponseComplete" if rng.random() < 0.96 else "RequestReceived"
    if subresource in ("exec", "attach", "portforward") or (verb == "watch" and rng.random() < 0.5):
        stage = "ResponseStarted"
    event["stage"] = stage
    denied = user["username"] == "system:anonymous" and rng.random() < 0.8 or rng.random() < 0.03
    if stage == "RequestReceived":
        event.pop("responseStatus", None)
        event.pop("responseObject", None)
        event.pop("annotations", None)
        done = received
    else:
        if denied:
            code = 403
            event["responseStatus"] = {
                "metadata": {},
                "status": "Failure",
                "message": f'{resource} is forbidden: User "{user["username"]}" cannot {verb} resource "{resource}" in API group "{group}"' + (f' in the namespace "{namespace}"' if namespace else ""),
                "reason": "Forbidden",
                "details": {"kind": resource},
                "code": code,
            }
            event["annotations"] = {"authorization.k8s.io/decision": "forbid", "authorization.k8s.io/reason": ""}
            event.pop("responseObject", None)
        else:
            if stage == "ResponseStarted":
                code = 101 if subresource else 200
            elif verb == "create":
                code = 201
            elif verb == "get" and rng.random() < 0.07:
                code = 404
            elif verb in ("update", "patch") and rng.random() < 0.03:
                code = 409
            else:
                code = 200
            event["responseStatus"] = {"metadata": {}, "code": code}
            if code >= 400:
                event["responseStatus"].update({"status": "Failure", "reason": "NotFound" if code == 404 else "Conflict"})
            binding = "system:node" if user["username"].startswith("system:node:") else "cluster-admin" if "kubeadm:cluster-admins" in user.get("groups", []) else f"system:controller:{user['username'].rsplit(':', 1)[-1]}"
            event["annotations"] = {"authorization.k8s.io/decision": "allow", "authorization.k8s.io/reason": f'RBAC: allowed by ClusterRoleBinding "{binding}" of ClusterRole "{binding}" to User "{user["username"]}"'}
            if resource == "pods" and verb == "create" and not subresource:
                event["annotations"]["pod-security.kubernetes.io/enforce-policy"] = "baseline:latest"
    event["requestReceivedTimestamp"] = stamp(received)
    event["stageTimestamp"] = stamp(done)
    if "timestamp" in event:
        event["timestamp"] = stamp(received)[:19] + "Z"
    if "metadata" in event:
        event["metadata"] = {"creationTimestamp": stamp(received)[:19] + "Z"}
    return level, event


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--out", required=True)
    parser.add_argument("--count", type=int, default=400_000)
    parser.add_argument("--seed", type=int, default=20240601)
    default_corpus = os.environ.get("PALISADE_CORPUS") or os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "shared", "corpus")
    parser.add_argument("--corpus", default=default_corpus, help="the shared corpus (default: $PALISADE_CORPUS or ../shared/corpus)")
    args = parser.parse_args()
    if not os.path.isdir(os.path.join(args.corpus, "audit-logs")):
        print(f"generate_audit.py: no audit-logs in the corpus at {args.corpus} (set --corpus or PALISADE_CORPUS)", file=sys.stderr)
        sys.exit(2)
    templates = load_templates(args.corpus)
    with_request = [t for t in templates if isinstance(t.get("requestObject"), dict)]
    with_response = [t for t in with_request if isinstance(t.get("responseObject"), dict)]
    if not templates or not with_response:
        print("generate_audit.py: the corpus has no usable template events", file=sys.stderr)
        sys.exit(2)
    rng = random.Random(args.seed)
    clock = [0]
    levels = {}
    os.makedirs(os.path.dirname(os.path.abspath(args.out)), exist_ok=True)
    written = 0
    with open(args.out, "w", encoding="utf-8", newline="\n") as out:
        for _ in range(args.count):
            level, event = generate(rng, templates, with_request, with_response, clock)
            levels[level] = levels.get(level, 0) + 1
            line = json.dumps(event, separators=(",", ":"), ensure_ascii=False) + "\n"
            out.write(line)
            written += len(line.encode("utf-8"))
    mix = ", ".join(f"{k} {v}" for k, v in sorted(levels.items()))
    print(f"generated {args.count} events from {len(templates)} corpus templates ({len(with_request)} with a request body), {written} bytes ({written / args.count:.0f} bytes/event); levels: {mix}")


if __name__ == "__main__":
    main()
