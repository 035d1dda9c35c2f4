server {
  listen = "127.0.0.1:7655"
}

connection "proxmox-pve" "lab" {
  endpoints = ["https://pve1.lab:8006"
}
