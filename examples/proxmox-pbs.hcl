# Proxmox Backup Server: one connection block per server.
#
# Every poll reads the server status, /status/datastore-usage, the GC,
# verify, sync and prune job lists, failed tasks of the last day and the
# backup groups of every namespace; a group's snapshots are listed again
# only when its snapshot count or last backup changed (or after a verify run
# on its datastore, or every refresh_interval). Version, subscription,
# identity, the datastore list and namespaces are read every 10th poll or
# 5 minutes. See plugins/proxmox-pbs/README.md for the token and the Audit
# role to grant it.

connection "proxmox-pbs" "backup" {
  endpoint = "https://pbs.example.net:8007"

  # An API token: user@realm!tokenname and its secret. PBS puts a colon
  # between them in the header (PBSAPIToken=id:secret); Pulse does that.
  token_id     = "pulse@pbs!monitor"
  token_secret = env("PBS_TOKEN_SECRET")

  # Datastore usage alerts (defaults 0.80 and 0.90); the message carries
  # PBS's own estimated full date.
  usage_warning  = 0.85
  usage_critical = 0.95

  # Which Proxmox VE cluster backs up where: its vm/ and ct/ snapshots then
  # attach to the canonical guests of that cluster (the proxmox-pve
  # connection's cluster name). "=name" is the root namespace; a namespace
  # covers its children unless they are listed themselves.
  pve_clusters = ["=prod", "branch-office=branch"]

  poll_interval = "60s"

  # PBS's self-signed certificate, pinned (shown on the dashboard and by
  #   proxmox-backup-manager cert info | grep Fingerprint).
  tls {
    fingerprint = "3A:1F:9C:0B:77:52:E4:18:C6:2D:95:A0:4B:F3:11:6E:D8:27:90:5C:AB:34:E1:0F:76:C2:59:8D:13:A6:4E:F0"
  }
}

# A ticket login instead of a token (renewed hourly, before PBS's 2 h expiry).
connection "proxmox-pbs" "offsite" {
  endpoints = ["https://pbs-dr.example.net:8007", "https://10.20.0.5:8007"]
  username  = "pulse@pbs"
  password  = env("PBS_PASSWORD")
  # No tls block: the certificate is from a CA the system trusts. Otherwise
  #   tls { ca_file = "/etc/pulse/offsite-ca.pem" }
}
