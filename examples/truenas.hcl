# TrueNAS 25.04 or later: one connection block per appliance.
#
# The plugin keeps one WebSocket to the middleware's JSON-RPC 2.0 API
# (wss://host/api/current), logged in with an API key. Every poll reads the
# system, pools, datasets (to dataset_depth), disks and temperatures, apps,
# alerts, replication and cloud-sync tasks; snapshots and SMART results are
# re-read every snapshot_interval. App, pool and alert changes arrive between
# polls as events. See plugins/truenas/README.md for the least-privilege API
# key (roles) to create.

connection "truenas" "nas1" {
  endpoint = "wss://nas1.example.net/api/current"
  api_key  = env("TRUENAS_API_KEY") # or file("/etc/pulse/truenas-nas1.key")

  # allow_insecure_transport = true  # ws:// only in a lab: TrueNAS revokes a
  #                                  # key that arrives without TLS

  dataset_depth            = 2    # tank/a and tank/a/b become storage resources; deeper ones report through them
  snapshot_interval        = "5m"
  disk_temperature_warning = 55   # HDD and SATA SSD, °C
  nvme_temperature_warning = 70   # NVMe, °C

  poll_interval = "30s"
  timeout       = "15s" # per call

  # TrueNAS serves a self-signed certificate until one is imported: pin it
  # (openssl s_client -connect nas1:443 </dev/null | openssl x509 -noout -fingerprint -sha256)
  tls {
    fingerprint = "AB:CD:EF:01:23:45:67:89:AB:CD:EF:01:23:45:67:89:AB:CD:EF:01:23:45:67:89:AB:CD:EF:01:23:45:67:89"
  }
}

# Control (app start, stop and restart) is off unless enabled; this narrows
# nas1 to restarts. Every request, allowed or refused, is audited
# (GET /api/v1/actions).
control {
  enabled = true
  connection "truenas" "nas1" {
    actions = ["restart"]
  }
}
