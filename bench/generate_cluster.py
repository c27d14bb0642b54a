#!/usr/bin/env python3
"""Generates a whole cluster's worth of manifests for the whole-cluster analysis benchmark
(bench/cluster.sh): 10,000 workloads with their Services, 2,000 NetworkPolicies and 5,000 RBAC
objects (Roles, ClusterRoles with aggregation, RoleBindings, ClusterRoleBindings), spread over
200 namespaces with quotas and limit ranges, one file per namespace plus one for the cluster-scoped
objects. Deterministic for a given seed.

    python3 bench/generate_cluster.py --out DIR [--seed N] [--workloads 10000]
        [--policies 2000] [--rbac 5000] [--namespaces 200]
"""

import argparse
import os
import random

TIERS = ["web", "api", "worker", "db", "cache"]
IMAGES = ["nginx:1.27.3", "registry.example.com/team/api:2.4.1", "redis:7.4.1", "postgres:17.2"]
VERBS = ["get", "list", "watch", "create", "update", "patch", "delete"]
RESOURCES = ["pods", "services", "configmaps", "secrets", "deployments", "jobs", "pods/log",
             "pods/exec", "serviceaccounts", "events", "ingresses", "networkpolicies"]


def deployment(ns, name, tier, image, port):
    return f"""apiVersion: apps/v1
kind: Deployment
metadata:
  name: {name}
  namespace: {ns}
  labels: {{app: {name}, tier: {tier}}}
spec:
  replicas: 2
  selector:
    matchLabels: {{app: {name}}}
  template:
    metadata:
      labels: {{app: {name}, tier: {tier}}}
    spec:
      serviceAccountName: {name}
      automountServiceAccountToken: false
      securityContext: {{runAsNonRoot: true, runAsUser: 10001, seccompProfile: {{type: RuntimeDefault}}}}
      containers:
        - name: {tier}
          image: {image}
          ports: [{{name: http, containerPort: {port}}}]
          securityContext: {{allowPrivilegeEscalation: false, readOnlyRootFilesystem: true, capabilities: {{drop: [ALL]}}}}
          resources:
            requests: {{cpu: 100m, memory: 128Mi}}
            limits: {{cpu: 500m, memory: 256Mi}}
"""


def service(ns, name, port):
    return f"""apiVersion: v1
kind: Service
metadata: {{name: {name}, namespace: {ns}}}
spec:
  selector: {{app: {name}}}
  ports: [{{port: 80, targetPort: http}}]
"""


def policy(rng, ns, index, names):
    if index == 0:
        return f"""apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {{name: default-deny, namespace: {ns}}}
spec:
  podSelector: {{}}
  policyTypes: [Ingress, Egress]
"""
    target = rng.choice(names)
    source_tier = rng.choice(TIERS)
    peer_ns = f"ns-{rng.randrange(1000):03d}"
    return f"""apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {{name: allow-{index}, namespace: {ns}}}
spec:
  podSelector:
    matchLabels: {{app: {target}}}
  policyTypes: [Ingress, Egress]
  ingress:
    - from:
        - podSelector:
            matchExpressions: [{{key: tier, operator: In, values: [{source_tier}, web]}}]
        - namespaceSelector:
            matchLabels: {{kubernetes.io/metadata.name: {peer_ns}}}
          podSelector:
            matchLabels: {{tier: api}}
      ports: [{{port: http}}, {{port: 8000, endPort: 8100, protocol: TCP}}]
  egress:
    - to: [{{namespaceSelector: {{matchLabels: {{kubernetes.io/metadata.name: kube-system}}}}, podSelector: {{matchLabels: {{k8s-app: kube-dns}}}}}}]
      ports: [{{port: 53, protocol: UDP}}, {{port: 53, protocol: TCP}}]
    - to: [{{ipBlock: {{cidr: 10.0.0.0/8, except: [10.1.0.0/16]}}}}]
"""


def role(rng, ns, index):
    rules = []
    for _ in range(rng.randint(1, 4)):
        resources = rng.sample(RESOURCES, rng.randint(1, 3))
        verbs = rng.sample(VERBS, rng.randint(1, 4))
        group = '""' if all("deployments" != r for r in resources) else "apps"
        rules.append(f"  - apiGroups: [{group}]\n    resources: [{', '.join(resources)}]\n    verbs: [{', '.join(verbs)}]")
    return f"""apiVersion: rbac.authorization.k8s.io/v1
kind: Role
metadata: {{name: role-{index}, namespace: {ns}}}
rules:
""" + "\n".join(rules) + "\n"


def role_binding(rng, ns, index, roles, names):
    kind, subject = rng.choice([
        ("ServiceAccount", f"{{kind: ServiceAccount, name: {rng.choice(names)}, namespace: {ns}}}"),
        ("Group", f"{{kind: Group, name: team-{rng.randrange(50)}, apiGroup: rbac.authorization.k8s.io}}"),
        ("User", f"{{kind: User, name: user-{rng.randrange(300)}@example.com, apiGroup: rbac.authorization.k8s.io}}"),
    ])
    if rng.random() < 0.2:
        role_ref = f"{{apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: {rng.choice(['view', 'edit', 'aggregate-' + str(rng.randrange(40))])}}}"
    else:
        role_ref = f"{{apiGroup: rbac.authorization.k8s.io, kind: Role, name: {rng.choice(roles)}}}"
    return f"""apiVersion: rbac.authorization.k8s.io/v1
kind: RoleBinding
metadata: {{name: binding-{index}, namespace: {ns}}}
subjects: [{subject}]
roleRef: {role_ref}
"""


def cluster_objects(rng, count):
    out = []
    for index in range(40):
        out.append(f"""apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRole
metadata: {{name: aggregate-{index}}}
aggregationRule:
  clusterRoleSelectors: [{{matchLabels: {{aggregate-to: agg-{index}}}}}]
rules: []
""")
    for index in range(count - 40):
        if index % 2 == 0:
            resources = rng.sample(RESOURCES, rng.randint(1, 3))
            verbs = rng.sample(VERBS, rng.randint(1, 3))
            out.append(f"""apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRole
metadata:
  name: cluster-role-{index}
  labels: {{aggregate-to: agg-{rng.randrange(40)}}}
rules:
  - apiGroups: ['']
    resources: [{', '.join(resources)}]
    verbs: [{', '.join(verbs)}]
""")
        else:
            out.append(f"""apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRoleBinding
metadata: {{name: cluster-binding-{index}}}
subjects: [{{kind: Group, name: team-{rng.randrange(50)}, apiGroup: rbac.authorization.k8s.io}}]
roleRef: {{apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: cluster-role-{index - 1}}}
""")
    return out


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--out", required=True)
    parser.add_argument("--seed", type=int, default=20261127)
    parser.add_argument("--workloads", type=int, default=10000)
    parser.add_argument("--policies", type=int, default=2000)
    parser.add_argument("--rbac", type=int, default=5000)
    parser.add_argument("--namespaces", type=int, default=200)
    args = parser.parse_args()
    rng = random.Random(args.seed)
    os.makedirs(args.out, exist_ok=True)
    per_ns_workloads = args.workloads // args.namespaces
    per_ns_policies = args.policies // args.namespaces
    cluster_rbac = args.rbac // 5
    per_ns_rbac = (args.rbac - cluster_rbac) // args.namespaces
    totals = {"workloads": 0, "policies": 0, "rbac": 0}
    for n in range(args.namespaces):
        ns = f"ns-{n:03d}"
        docs = [f"""apiVersion: v1
kind: Namespace
metadata:
  name: {ns}
  labels: {{pod-security.kubernetes.io/enforce: restricted}}
""", f"""apiVersion: v1
kind: ResourceQuota
metadata: {{name: quota, namespace: {ns}}}
spec: {{hard: {{requests.cpu: "20", requests.memory: 40Gi, limits.cpu: "40", limits.memory: 80Gi}}}}
""", f"""apiVersion: v1
kind: LimitRange
metadata: {{name: limits, namespace: {ns}}}
spec: {{limits: [{{type: Container, default: {{cpu: 500m, memory: 256Mi}}, defaultRequest: {{cpu: 100m, memory: 128Mi}}}}]}}
"""]
        names = []
        for w in range(per_ns_workloads):
            tier = TIERS[w % len(TIERS)]
            name = f"{tier}-{w}"
            names.append(name)
            docs.append(deployment(ns, name, tier, rng.choice(IMAGES), 8080))
            docs.append(f"apiVersion: v1\nkind: ServiceAccount\nmetadata: {{name: {name}, namespace: {ns}}}\nautomountServiceAccountToken: false\n")
            if w % 2 == 0:
                docs.append(service(ns, name, 8080))
            totals["workloads"] += 1
        for p in range(per_ns_policies):
            docs.append(policy(rng, ns, p, names))
            totals["policies"] += 1
        roles = [f"role-{i}" for i in range(per_ns_rbac // 2)]
        for i in range(per_ns_rbac // 2):
            docs.append(role(rng, ns, i))
            docs.append(role_binding(rng, ns, i, roles, names))
            totals["rbac"] += 2
        with open(os.path.join(args.out, f"{ns}.yaml"), "w") as f:
            f.write("---\n".join(docs))
    cluster = cluster_objects(rng, cluster_rbac)
    totals["rbac"] += len(cluster)
    with open(os.path.join(args.out, "cluster.yaml"), "w") as f:
        f.write("---\n".join(cluster))
    print(f"generated {totals['workloads']} workloads, {totals['policies']} NetworkPolicies, "
          f"{totals['rbac']} RBAC objects in {args.namespaces} namespaces under {args.out}")


if __name__ == "__main__":
    main()
