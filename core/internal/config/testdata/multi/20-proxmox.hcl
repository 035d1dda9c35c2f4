connection "proxmox-pve" "lab" {
  endpoints    = ["https://pve1.lab:8006", "https://pve2.lab:8006"]
  token_id     = "pulse@pve!monitor"
  token_secret = env("PULSE_TEST_PVE_SECRET")
}

# The same name on another platform is a different connection.
connection "proxmox-pbs" "lab" {
  endpoints     = ["https://pbs.lab:8007"]
  username      = "pulse@pbs"
  password      = file("pbs-password.txt")
  poll_interval = "1m"
  timeout       = "20s"
  enabled       = false
}
