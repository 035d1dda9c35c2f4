connection "proxmox-pve" "lab" {
  endpoints = ["https://pve1.lab:8006"]
}
