#!/usr/bin/env python3
"""Generate a deterministic set of RBAC objects for bench/rbac.sh: Roles, RoleBindings,
ClusterRoles (some aggregated, some joining the built-in admin/edit/view through the
aggregate-to-* labels) and ClusterRoleBindings, with User, Group and ServiceAccount
subjects, about as a large multi-tenant cluster has them.

    python3 bench/generate_rbac.py --out bench/out/rbac --count 5000 --seed 20240601

Objects are written 100 to a file. Only the standard library is used; the output depends only
on --count and --seed.
"""

import argparse
import os
import random
import shutil

VERBS = ["get", "list", "watch", "create", "update", "patch", "delete"]
CORE = ["pods", "services", "configmaps", "secrets", "serviceaccounts", "events",
        "persistentvolumeclaims", "pods/log", "pods/exec", "pods/portforward", "endpoints"]
APPS = ["deployments", "statefulsets", "daemonsets", "replicasets", "deployments/scale"]
CLUSTER = ["nodes", "namespaces", "persistentvolumes", "nodes/proxy", "storageclasses"]
BUILT_IN = ["view", "edit", "admin"]


def rule(rng):
    kind = rng.random()
    if kind < 0.55:
        groups, resources = [""], rng.sample(CORE, rng.randint(1, 4))
    elif kind < 0.85:
        groups, resources = ["apps"], rng.sample(APPS, rng.randint(1, 3))
    elif kind < 0.95:
        groups, resources = [""], rng.sample(CLUSTER, rng.randint(1, 2))
    else:
        groups, resources = ["*"], ["*"]
    verbs = ["*"] if rng.random() < 0.03 else sorted(rng.sample(VERBS, rng.randint(1, 4)))
    text = (f"  - apiGroups: {groups}\n    resources: {resources}\n    verbs: {verbs}\n")
    if rng.random() < 0.1:
        text += f"    resourceNames: [obj-{rng.randint(0, 99)}]\n"
    return text.replace("'", '"')


def subjects(rng, namespace):
    out = []
    for _ in range(rng.randint(1, 3)):
        kind = rng.random()
        if kind < 0.4:
            out.append(f"  - {{kind: Group, name: team-{rng.randint(0, 60)}}}\n")
        elif kind < 0.7:
            out.append(f"  - {{kind: User, name: user-{rng.randint(0, 2000)}@example.com}}\n")
        else:
            ns = namespace or f"ns-{rng.randint(0, 199):03d}"
            out.append(f"  - {{kind: ServiceAccount, name: sa-{rng.randint(0, 30)}, namespace: {ns}}}\n")
    return "".join(out)


def generate(count, seed):
    rng = random.Random(seed)
    namespaces = [f"ns-{i:03d}" for i in range(200)]
    objects = []
    cluster_roles = []
    # A tenth of the objects are ClusterRoles, a tenth ClusterRoleBindings; the rest are
    # namespaced, two RoleBindings per Role.
    for i in range(count // 10):
        name = f"cluster-role-{i:04d}"
        cluster_roles.append(name)
        labels = ""
        if rng.random() < 0.1:
            labels = f"\n  labels: {{rbac.authorization.k8s.io/aggregate-to-{rng.choice(BUILT_IN)}: 'true', tier: t{i % 7}}}"
        elif rng.random() < 0.2:
            labels = f"\n  labels: {{tier: t{i % 7}}}"
        if i % 50 == 0:
            body = f"aggregationRule:\n  clusterRoleSelectors:\n  - matchLabels: {{tier: t{i % 7}}}\nrules: []\n"
        else:
            body = "rules:\n" + "".join(rule(rng) for _ in range(rng.randint(1, 6)))
        objects.append(f"apiVersion: rbac.authorization.k8s.io/v1\nkind: ClusterRole\nmetadata:\n  name: {name}{labels}\n{body}")
    for i in range(count // 10):
        role = rng.choice(cluster_roles + BUILT_IN + ["cluster-admin"])
        objects.append(
            f"apiVersion: rbac.authorization.k8s.io/v1\nkind: ClusterRoleBinding\nmetadata:\n  name: cluster-binding-{i:04d}\n"
            f"subjects:\n{subjects(rng, None)}roleRef: {{apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: {role}}}\n")
    remaining = count - len(objects)
    roles = remaining // 3
    role_names = []
    for i in range(roles):
        namespace = namespaces[i % len(namespaces)]
        name = f"role-{i:04d}"
        role_names.append((namespace, name))
        body = "".join(rule(rng) for _ in range(rng.randint(1, 5))).replace("nodes/proxy", "pods/attach")
        objects.append(f"apiVersion: rbac.authorization.k8s.io/v1\nkind: Role\nmetadata:\n  name: {name}\n  namespace: {namespace}\nrules:\n{body}")
    for i in range(count - len(objects)):
        if rng.random() < 0.7:
            namespace, role = rng.choice(role_names)
            ref = f"{{apiGroup: rbac.authorization.k8s.io, kind: Role, name: {role}}}"
        else:
            namespace = rng.choice(namespaces)
            ref = f"{{apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: {rng.choice(cluster_roles + BUILT_IN)}}}"
        objects.append(
            f"apiVersion: rbac.authorization.k8s.io/v1\nkind: RoleBinding\nmetadata:\n  name: binding-{i:04d}\n  namespace: {namespace}\n"
            f"subjects:\n{subjects(rng, namespace)}roleRef: {ref}\n")
    return objects


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", required=True, help="output directory (emptied first)")
    parser.add_argument("--count", type=int, default=5000)
    parser.add_argument("--seed", type=int, default=20240601)
    args = parser.parse_args()
    objects = generate(args.count, args.seed)
    shutil.rmtree(args.out, ignore_errors=True)
    os.makedirs(args.out)
    for start in range(0, len(objects), 100):
        with open(os.path.join(args.out, f"rbac-{start // 100:03d}.yaml"), "w") as out:
            out.write("---\n".join(objects[start:start + 100]))
    print(f"wrote {len(objects)} RBAC objects to {args.out}")


if __name__ == "__main__":
    main()
