# Proxmox VE: one connection block per cluster (or standalone node).
#
# The plugin reads /cluster/resources and /cluster/status (and Ceph status
# where the cluster runs Ceph) on every poll, and node disks and SMART
# health, storage status, backup listings, snapshots and tasks every 10th
# poll or 5 minutes, whichever comes first. See plugins/proxmox-pve/README.md
# for the role and API token to create on the cluster.

connection "proxmox-pve" "prod-cluster" {
  # Several members of the same cluster: when one does not answer, the next
  # is tried, and the one that answered is used first from then on.
  endpoints = [
    "https://pve1.example.net:8006",
    "https://pve2.example.net:8006",
    "https://pve3.example.net:8006",
  ]

  # An API token (recommended): user@realm!tokenid and its secret.
  token_id     = "pulse@pve!monitor"
  token_secret = env("PVE_TOKEN_SECRET")

  poll_interval = "30s"
  timeout       = "15s" # per request; also bounds how long a dead member delays failover

  # No tls block: the members carry certificates the system trusts (e.g.
  # from ACME). With PVE's self-signed certificates, trust the cluster CA,
  # which signs every member's certificate; copy it from any node
  # (/etc/pve/pve-root-ca.pem):
  #
  #   tls { ca_file = "/etc/pulse/pve-root-ca.pem" }
}

# A standalone homelab node with its self-signed certificate, pinned by
# fingerprint (a pin matches one member only, so pin single-endpoint
# connections; use ca_file for several members). Show it on the node with
#   openssl x509 -in /etc/pve/local/pve-ssl.pem -noout -fingerprint -sha256
# Here with a ticket login instead of a token: the plugin logs in with
# POST /access/ticket and renews the ticket hourly, before its 2 h expiry.
connection "proxmox-pve" "homelab" {
  endpoints = ["https://192.168.1.10:8006"]
  username  = "pulse@pve"
  password  = env("PVE_PASSWORD")

  tls {
    fingerprint = "3A:1F:9C:0B:77:52:E4:18:C6:2D:95:A0:4B:F3:11:6E:D8:27:90:5C:AB:34:E1:0F:76:C2:59:8D:13:A6:4E:F0"
  }
}
