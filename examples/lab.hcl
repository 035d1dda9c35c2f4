# The lab: `make run` starts the platform simulators on loopback and the core
# polling them with this file. Credentials below belong to the local
# simulators only; real connections take secrets through env() or file().

server {
  listen       = "127.0.0.1:7655"
  agent_listen = "127.0.0.1:7656" # pulse-agent enrollment, reports and its command channel (HTTPS, self-signed, pinned)
  data_dir     = "../.lab/data" # relative to this file
  log_level    = "info"
  # The lab's API is open to this machine alone (pulse warns at every start).
  # Remove this line to require tokens, as everywhere else; `pulse lab` then
  # prints a read token for the lab.
  auth = "none"
}

# Simulated vCenter (govmomi's simulator), started by `pulse lab`.
connection "vmware-vsphere" "lab-vcenter" {
  endpoint      = "https://127.0.0.1:18443/sdk"
  username      = "pulse@vsphere.local"
  password      = "pulse-lab"
  poll_interval = "15s"
  tls {
    # The simulator serves govmomi's fixed self-signed certificate: pin it.
    fingerprint = "4C:3D:58:C2:80:EA:08:A0:67:53:79:A8:D5:3B:7C:77:6A:8A:40:EE:D1:80:4E:17:26:39:5B:D7:07:23:D4:D8"
  }
}

# Simulated Proxmox VE cluster (fakepve), started by `pulse lab`.
connection "proxmox-pve" "lab-cluster" {
  endpoints     = ["https://127.0.0.1:18006"]
  token_id      = "pulse@pve!monitor"
  token_secret  = "pulse-lab-secret"
  poll_interval = "10s"
  tls {
    insecure_skip_verify = true # the simulator's certificate is generated at start
  }
}

# Simulated TrueNAS 25.10 (faketruenas), started by `pulse lab`: a degraded
# pool with a faulted disk, a failed replication, a crashed app.
connection "truenas" "lab-nas" {
  endpoint      = "wss://127.0.0.1:18444/api/current"
  api_key       = "1-pulselabapikeypulselabapikeypulselabapikeypulselabapikey0001"
  poll_interval = "10s"
  tls {
    insecure_skip_verify = true # the simulator's certificate is generated at start
  }
}

# Simulated Proxmox Backup Server (fakepbs), started by `pulse lab`: three
# datastores, nested namespaces, one nearly full, failed and overdue jobs.
connection "proxmox-pbs" "lab-backup" {
  endpoint      = "https://127.0.0.1:18007"
  token_id      = "pulse@pbs!monitor"
  token_secret  = "pulse-lab-secret"
  pve_clusters  = ["=lab"] # the simulated PVE cluster above backs up here
  poll_interval = "15s"
  tls {
    insecure_skip_verify = true # the simulator's certificate is generated at start
  }
}

# Simulated Proxmox Mail Gateway (fakepmg), started by `pulse lab`: a
# two-node cluster with a deferred backlog on the second node.
connection "proxmox-pmg" "lab-mail" {
  endpoint      = "https://127.0.0.1:18008"
  username      = "pulse@pmg"
  password      = "pulse-lab"
  poll_interval = "15s"
  tls {
    insecure_skip_verify = true
  }
}

# The lab lets the simulated apps be started, stopped and restarted:
# ./bin/pulse action --config examples/lab.hcl truenas/lab-nas/app/plex restart
control {
  enabled = true
}

# Alerts walkthrough (see README, "Alerts and notifications"): the PVE
# simulator drives one guest's memory to 97% and back every 2 minutes, and
# gives another a failed backup followed, 5 minutes later, by a good one.
alerts {
  interval = "5s"
}

# Overrides the built-in memory-vm rule (same name): fire after 30 s.
alert_rule "memory-vm" {
  match    { type = "vm" }
  metric   = "memory_usage_ratio"
  above    = 0.85
  clear    = 0.80
  for      = "30s"
  severity = "warning"
}

# A receiver `pulse lab` starts; it prints what it gets.
notifier "webhook" "lab-receiver" {
  url    = "http://127.0.0.1:18090/hook"
  secret = "lab-webhook-secret" # HMAC-SHA256 of the body in X-Pulse-Signature
}

route "lab" {
  notifiers       = ["lab-receiver"]
  repeat_interval = "1m" # unacknowledged firing alerts repeat; `pulse alerts ack` stops it
}
