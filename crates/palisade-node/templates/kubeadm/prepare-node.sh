#!/bin/sh
# Prepares a node for `kubeadm init --config kubeadm-config.yaml` (and for `kubeadm join`):
# what a kubeadm configuration cannot say. Written by `palisade generate kubeadm`.
#
# Run it as root from the bundle directory, on every node, before kubeadm: `sh prepare-node.sh`.
# Running it again changes nothing that is already right. `palisade node --kubeadm-config`
# reads the install, chmod and chown lines below, so keep them literal (no variables).
set -eu
cd "$(dirname "$0")"

# The files the API server's flags name, mounted read-only into its pod from here
# (CIS 1.2.9 admission configuration, 1.2.27 and 1.2.28 encryption, 3.2.1 audit policy).
# Only root may read them: the encryption configuration holds the key.
install -d -m 0700 -o root -g root /etc/kubernetes/security
install -m 0600 -o root -g root audit-policy.yaml /etc/kubernetes/security/audit-policy.yaml
install -m 0600 -o root -g root admission-configuration.yaml /etc/kubernetes/security/admission-configuration.yaml
install -m 0600 -o root -g root encryption-configuration.yaml /etc/kubernetes/security/encryption-configuration.yaml

# CIS 1.2.16: the audit log, readable by root only.
install -d -m 0700 -o root -g root /var/log/kubernetes/audit

# CIS 1.1.11 and 1.1.12: the etcd data directory, 0700 and owned by an etcd user. kubeadm keeps
# a directory that already exists (its preflight check accepts an empty one). etcd itself
# still runs as root in its static pod.
getent group etcd >/dev/null || groupadd --system etcd
getent passwd etcd >/dev/null || useradd --system --gid etcd --home-dir /var/lib/etcd \
    --no-create-home --shell /usr/sbin/nologin etcd
install -d -m 0700 -o etcd -g etcd /var/lib/etcd

# CIS 4.1.9 and 4.1.10: kubeadm writes the kubelet's config file 0644 when it creates it, and
# keeps the mode of a file that is already there.
install -d -m 0700 -o root -g root /var/lib/kubelet
touch /var/lib/kubelet/config.yaml
chmod 0600 /var/lib/kubelet/config.yaml
chown root:root /var/lib/kubelet/config.yaml

# CIS 4.1.1 and 4.1.2: the kubelet's systemd unit and kubeadm's drop-in, which the packages
# install 0644 (a package upgrade installs them again: run this script after upgrades too).
if [ -e /usr/lib/systemd/system/kubelet.service ]; then
    chmod 0600 /usr/lib/systemd/system/kubelet.service
    chown root:root /usr/lib/systemd/system/kubelet.service
fi
if [ -e /usr/lib/systemd/system/kubelet.service.d/10-kubeadm.conf ]; then
    chmod 0600 /usr/lib/systemd/system/kubelet.service.d/10-kubeadm.conf
    chown root:root /usr/lib/systemd/system/kubelet.service.d/10-kubeadm.conf
fi
if [ -e /etc/systemd/system/kubelet.service.d/10-kubeadm.conf ]; then
    chmod 0600 /etc/systemd/system/kubelet.service.d/10-kubeadm.conf
    chown root:root /etc/systemd/system/kubelet.service.d/10-kubeadm.conf
fi

# protectKernelDefaults (KubeletConfiguration): the kubelet does not start unless the kernel
# already has the values it would otherwise set itself (pkg/kubelet/cm/container_manager_linux.go).
# Note what they mean: the kernel reboots 10 seconds after a panic, and an oops is a panic.
cat > /etc/sysctl.d/90-kubelet.conf <<'SYSCTL'
vm.overcommit_memory = 1
vm.panic_on_oom = 0
kernel.panic = 10
kernel.panic_on_oops = 1
kernel.keys.root_maxkeys = 1000000
kernel.keys.root_maxbytes = 25000000
SYSCTL
sysctl -q -p /etc/sysctl.d/90-kubelet.conf
