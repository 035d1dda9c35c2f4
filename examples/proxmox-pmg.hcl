# Proxmox Mail Gateway: one connection block per gateway (a standalone node
# or a cluster, shown as one pmg resource with its nodes inside).
#
# Every poll reads the cluster membership, each node's status and sync
# state, and each node's postfix queues (active, deferred, hold, incoming:
# the count and the oldest message); mail statistics and quarantine sizes
# are read every 10th poll or 5 minutes. See plugins/proxmox-pmg/README.md
# for the user and the audit role to give it.

connection "proxmox-pmg" "mail" {
  # The master node first; other nodes answer the same API when it is down.
  endpoints = ["https://pmg1.example.net:8006", "https://pmg2.example.net:8006"]

  # PMG has no API tokens: Pulse logs in with a ticket (PMGAuthCookie and
  # CSRFPreventionToken), renews it before it expires and logs in again
  # when it is refused.
  username = "pulse@pmg"
  password = env("PMG_PASSWORD")

  # Alert thresholds per node; the defaults are shown.
  queue_warning     = 500  # all queues together
  queue_critical    = 1000
  deferred_warning  = 200
  deferred_critical = 500
  hold_warning      = 100
  hold_critical     = 300
  oldest_warning    = "30m" # the oldest queued message
  oldest_critical   = "60m"
  quarantine_growth = 500   # messages quarantined within an hour
  stats_window      = "1h"  # window of the mail statistics

  poll_interval = "60s"

  # No tls block: the nodes carry certificates the system trusts. With
  # PMG's self-signed certificates, trust a CA file or pin one node's
  # certificate (a pin matches one endpoint only):
  #
  #   tls { ca_file = "/etc/pulse/pmg-ca.pem" }
}
