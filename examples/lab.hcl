# The lab: `make run` starts the platform simulators on loopback and the core
# polling them with this file. Credentials below belong to the local
# simulators only; real connections take secrets through env() or file().

server {
  listen    = "127.0.0.1:7655"
  data_dir  = "../.lab/data" # relative to this file
  # The lab's pulse-agent (docker module against pulse-sim-docker) reports here.
  agent_listen = "127.0.0.1:7656"
  log_level = "info"
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

# The lab lets the simulated apps be started, stopped and restarted:
# ./bin/pulse action --config examples/lab.hcl truenas/lab-nas/app/plex restart
control {
  enabled = true
}
