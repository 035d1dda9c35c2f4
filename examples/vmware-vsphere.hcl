# VMware vSphere: one connection block per vCenter Server.
#
# vmware-vsphere is admitted at readiness first-lab-ready: the phase-1 floor
# is implemented and tested against VMware's own simulator, but it has not
# been proven against a real vCenter, so it is not a supported platform yet.
#
# Phase 1 connects to vCenter only; a direct ESXi host is refused. On every
# poll the plugin reads the whole inventory (ESXi hosts, VMs, datastores and
# their datacenter/cluster/folder/resource-pool placement) through one
# PropertyCollector call over a ContainerView, the latest realtime
# performance sample of every running VM and connected host, triggered
# alarms and health, and the last hour's error/warning events and failed
# tasks. Between polls it follows power, connection, maintenance and alarm
# changes through WaitForUpdatesEx. It keeps one session per vCenter and
# logs it out when the connection is closed. Control is read-only.
# See plugins/vmware-vsphere/README.md for the read-only role to grant.

connection "vmware-vsphere" "vcenter" {
  # The vCenter URL; a bare host name works too ("/sdk" is added).
  endpoint = "https://vcenter.example.net/sdk"

  # A vCenter user holding the read-only role described in the README,
  # granted on the vCenter root object with "propagate to children".
  username = "pulse@vsphere.local"
  password = env("VSPHERE_PASSWORD")

  # Optional: only these datacenters (by name); all when unset.
  # datacenters = ["Amsterdam", "Berlin"]

  # Optional: gather realtime performance metrics at most this often; by
  # default every poll (vCenter samples every 20 s).
  # perf_interval = "60s"

  poll_interval = "60s"
  timeout       = "30s"

  # vCenter's certificates are signed by its VMCA. Either the system trusts
  # it already (no tls block, as here), or trust that CA explicitly: download
  # https://vcenter.example.net/certs/download.zip (the .0 files under
  # certs/lin are PEM) and name it, relative to this file or absolute:
  #
  #   tls { ca_file = "/etc/pulse/vcenter-ca.pem" }
}

# A lab vCenter with its self-signed certificate, pinned by its SHA-256
# fingerprint instead:
#   openssl s_client -connect vc-lab.example.net:443 </dev/null 2>/dev/null \
#     | openssl x509 -noout -fingerprint -sha256
connection "vmware-vsphere" "lab" {
  endpoint = "vc-lab.example.net"
  username = "pulse-ro@vsphere.local"
  password = env("VC_LAB_PASSWORD") # or file("/etc/pulse/secrets/vc-lab-password")

  tls {
    fingerprint = "9B:04:7E:21:C3:58:AF:60:1D:E2:47:8C:35:B9:0A:F6:72:1E:C4:93:5D:08:B7:2A:E6:41:9F:33:C0:6D:85:1B"
  }
}
