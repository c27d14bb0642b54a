#!/usr/bin/env python3
"""Generates a whole cluster for the whole-cluster analysis benchmark (issue 7): 10,000
workloads, 2,000 NetworkPolicies and 5,000 RBAC objects by default, as one multi-document YAML
file, deterministic for a given seed.

Shape: namespaces of 100 workloads each (Deployments, StatefulSets, DaemonSets, Jobs, CronJobs
and Pods, with app/tier/team labels and named container ports), Services for most of them;
per namespace a default deny, per-app ingress policies (pod selectors, namespace+pod selectors
in one peer, named ports, endPort ranges), egress policies with DNS, a few ipBlocks and
matchExpressions; RBAC: Roles, RoleBindings, ClusterRoles (some aggregated) and
ClusterRoleBindings to users, groups and service accounts, with a few risky rules.

Usage: generate_cluster.py [--workloads N] [--policies N] [--rbac N] [--seed S] OUT.yaml
"""

import argparse
import random


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--workloads", type=int, default=10_000)
    parser.add_argument("--policies", type=int, default=2_000)
    parser.add_argument("--rbac", type=int, default=5_000)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("out")
    args = parser.parse_args()
    rng = random.Random(args.seed)
    per_namespace = 100
    namespaces = max(1, (args.workloads + per_namespace - 1) // per_namespace)
    tiers = ["web", "api", "db", "cache", "worker"]
    docs = []

    for n in range(namespaces):
        team = f"team{n % 17}"
        docs.append(
            f"apiVersion: v1\nkind: Namespace\nmetadata:\n  name: ns{n}\n  labels:\n    team: {team}\n    env: {'prod' if n % 3 else 'dev'}\n"
        )

    kinds = ["Deployment"] * 6 + ["StatefulSet", "DaemonSet", "Job", "Pod"]
    apps_by_ns = {}
    for w in range(args.workloads):
        n = w // per_namespace
        ns = f"ns{n}"
        app = f"app{w % per_namespace}"
        tier = tiers[w % len(tiers)]
        apps_by_ns.setdefault(ns, []).append((app, tier))
        kind = kinds[w % len(kinds)]
        port = 8000 + (w % 50)
        labels = f"app: {app}\n        tier: {tier}\n        team: team{n % 17}"
        container = (
            f"containers:\n        - name: main\n          image: registry.example.com/{app}:1.{w % 9}.0\n"
            f"          ports:\n            - name: http\n              containerPort: {port}\n"
            f"            - name: metrics\n              containerPort: 9090\n"
        )
        if kind == "Pod":
            docs.append(
                f"apiVersion: v1\nkind: Pod\nmetadata:\n  name: {app}\n  namespace: {ns}\n  labels:\n    app: {app}\n    tier: {tier}\nspec:\n  "
                + container.replace("\n      ", "\n  ")
            )
            continue
        group = "batch/v1" if kind == "Job" else "apps/v1"
        docs.append(
            f"apiVersion: {group}\nkind: {kind}\nmetadata:\n  name: {app}\n  namespace: {ns}\nspec:\n"
            f"  selector:\n    matchLabels:\n      app: {app}\n"
            f"  template:\n    metadata:\n      labels:\n        {labels}\n    spec:\n      {container}"
        )
        if w % 4 != 3:
            kind_line = "  type: LoadBalancer\n" if w % 97 == 0 else ""
            docs.append(
                f"apiVersion: v1\nkind: Service\nmetadata:\n  name: {app}\n  namespace: {ns}\nspec:\n{kind_line}  selector:\n    app: {app}\n  ports:\n    - port: 80\n      targetPort: http\n"
            )

    policies = 0
    n = 0
    while policies < args.policies:
        ns = f"ns{n % namespaces}"
        apps = apps_by_ns.get(ns, [("app0", "web")])
        if n < namespaces:
            docs.append(
                f"apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata:\n  name: default-deny\n  namespace: {ns}\nspec:\n  podSelector: {{}}\n  policyTypes: [Ingress, Egress]\n"
            )
            docs.append(
                f"apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata:\n  name: allow-dns\n  namespace: {ns}\nspec:\n  podSelector: {{}}\n  policyTypes: [Egress]\n  egress:\n"
                "    - to:\n        - namespaceSelector:\n            matchLabels:\n              kubernetes.io/metadata.name: kube-system\n          podSelector:\n            matchLabels:\n              k8s-app: kube-dns\n"
                "      ports:\n        - port: 53\n          protocol: UDP\n        - port: 53\n          protocol: TCP\n"
            )
            policies += 2
        app, tier = apps[rng.randrange(len(apps))]
        other, _ = apps[rng.randrange(len(apps))]
        peer_team = f"team{rng.randrange(17)}"
        style = policies % 4
        if style == 0:
            rule = (
                f"  ingress:\n    - from:\n        - podSelector:\n            matchLabels:\n              app: {other}\n"
                f"      ports:\n        - port: http\n"
            )
        elif style == 1:
            rule = (
                f"  ingress:\n    - from:\n        - namespaceSelector:\n            matchLabels:\n              team: {peer_team}\n"
                f"          podSelector:\n            matchExpressions:\n              - key: tier\n                operator: In\n                values: [web, api]\n"
                f"      ports:\n        - port: 8000\n          endPort: 8049\n"
            )
        elif style == 2:
            octet = rng.randrange(256)
            rule = (
                f"  policyTypes: [Ingress, Egress]\n  ingress:\n    - from:\n        - ipBlock:\n            cidr: 10.{octet}.0.0/16\n            except: [10.{octet}.1.0/24]\n"
                f"  egress:\n    - to:\n        - podSelector:\n            matchLabels:\n              tier: db\n      ports:\n        - port: 5432\n"
            )
        else:
            rule = (
                f"  ingress:\n    - from:\n        - namespaceSelector:\n            matchExpressions:\n              - key: env\n                operator: NotIn\n                values: [dev]\n"
                f"      ports:\n        - port: metrics\n"
            )
        docs.append(
            f"apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata:\n  name: {app}-{policies}\n  namespace: {ns}\nspec:\n  podSelector:\n    matchLabels:\n      app: {app}\n{rule}"
        )
        policies += 1
        n += 1

    verbs = [["get", "list", "watch"], ["get"], ["create", "update", "patch"], ["*"]]
    resources = [["pods"], ["configmaps"], ["secrets"], ["deployments"], ["pods/exec"], ["services"]]
    for r in range(args.rbac):
        ns = f"ns{r % namespaces}"
        kind = r % 4
        name = f"r{r}"
        if kind == 0:
            docs.append(
                f"apiVersion: rbac.authorization.k8s.io/v1\nkind: Role\nmetadata:\n  name: {name}\n  namespace: {ns}\nrules:\n"
                f"  - apiGroups: ['', apps]\n    resources: {resources[r % len(resources)]}\n    verbs: {verbs[r % len(verbs)]}\n"
            )
        elif kind == 1:
            subject = [
                f"{{kind: ServiceAccount, name: app{r % 100}, namespace: {ns}}}",
                f"{{kind: User, name: user{r % 50}, apiGroup: rbac.authorization.k8s.io}}",
                f"{{kind: Group, name: group{r % 20}, apiGroup: rbac.authorization.k8s.io}}",
            ][r % 3]
            docs.append(
                f"apiVersion: rbac.authorization.k8s.io/v1\nkind: RoleBinding\nmetadata:\n  name: {name}\n  namespace: {ns}\n"
                f"roleRef:\n  apiGroup: rbac.authorization.k8s.io\n  kind: Role\n  name: r{r - 1}\nsubjects:\n  - {subject}\n"
            )
        elif kind == 2:
            docs.append(
                f"apiVersion: rbac.authorization.k8s.io/v1\nkind: ClusterRole\nmetadata:\n  name: {name}\n  labels:\n    aggregate-to-r{r - r % 40 + 2}: 'true'\nrules:\n"
                f"  - apiGroups: ['']\n    resources: {resources[r % len(resources)]}\n    verbs: {verbs[r % len(verbs)]}\n"
                + (
                    f"aggregationRule:\n  clusterRoleSelectors:\n    - matchLabels:\n        aggregate-to-{name}: 'true'\n"
                    if r % 40 == 2
                    else ""
                )
            )
        else:
            docs.append(
                f"apiVersion: rbac.authorization.k8s.io/v1\nkind: ClusterRoleBinding\nmetadata:\n  name: {name}\n"
                f"roleRef:\n  apiGroup: rbac.authorization.k8s.io\n  kind: ClusterRole\n  name: r{r - 1}\n"
                f"subjects:\n  - {{kind: ServiceAccount, name: app{r % 100}, namespace: {ns}}}\n"
            )

    with open(args.out, "w") as out:
        out.write("---\n".join(docs))


if __name__ == "__main__":
    main()
