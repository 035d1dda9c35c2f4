# A second file naming the same connection again.

connection "proxmox-pve" "lab" {
  endpoints = ["https://pve2.lab:8006"]
}
