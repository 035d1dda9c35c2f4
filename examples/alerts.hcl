# Alerts and notifications: every block the alerts engine reads. Put these
# beside your connection blocks (any file; `pulse serve --config DIR` reads
# every *.hcl of a directory). The built-in rules (README, "Alerts and
# notifications") apply without any of this; these blocks tune them.

alerts {
  interval            = "10s"  # evaluation cycle
  history_retention   = "720h" # 30 days of transitions
  connection_failures = 3      # failed polls before a connection alert
  stale_after         = "10m"  # no fresh data for this long: a stale-data alert
  flap_changes        = 5      # this many state changes ...
  flap_window         = "5m"   # ... within this window hold an alert as flapping
  defaults            = true   # the built-in rules
}

# Replace a built-in rule by its name: VM memory, with a duration.
alert_rule "memory-vm" {
  match    { type = "vm" }
  metric   = "memory_usage_ratio"
  above    = 0.85 # trigger
  clear    = 0.80 # hysteresis: clears only below this
  for      = "5m" # must hold this long
  severity = "warning"
}

# Overrides by specificity (resource > name pattern > label/attributes >
# connection > platform > type > global): build hosts may run hot ...
alert_rule "build-cpu" {
  match    { name = "build-*" }
  metric   = "cpu_usage_ratio"
  severity = "warning"
  enabled  = false
}

# ... one database gets a tighter limit ...
alert_rule "db01-cpu" {
  match    { resource = "proxmox-pve/lab-cluster/qemu/101" }
  metric   = "cpu_usage_ratio"
  above    = 0.60
  clear    = 0.50
  for      = "2m"
  severity = "warning"
}

# ... a counter is watched as its per-second rate ...
alert_rule "vm-network-in" {
  match {
    type  = "vm"
    label = "edge"
  }
  metric = "network_receive_bytes_total" # bytes per second
  above  = 100000000
  clear  = 80000000
  for    = "10m"
}

# ... and a level below a threshold.
alert_rule "ssd-wear" {
  match    { type = "physical-disk" }
  metric   = "disk_life_remaining_ratio"
  below    = 0.20
  clear    = 0.25
  severity = "warning"
}

notifier "email" "ops-mail" {
  host     = "smtp.example.org"
  port     = 587
  tls      = "starttls" # or "tls" (465), "none" (25, no auth)
  username = "pulse@example.org"
  password = env("PULSE_SMTP_PASSWORD")
  from     = "pulse@example.org"
  to       = ["ops@example.org"]
}

notifier "webhook" "ops-slack" {
  url    = env("PULSE_SLACK_WEBHOOK_URL")
  preset = "slack" # discord, teams, telegram, mattermost, ntfy, gotify, pushover, pagerduty
}

notifier "webhook" "pager" {
  url         = "https://events.pagerduty.com/v2/enqueue"
  preset      = "pagerduty"
  routing_key = env("PULSE_PAGERDUTY_KEY")
}

notifier "webhook" "automation" {
  url     = "https://automation.example.org/pulse"
  secret  = env("PULSE_WEBHOOK_SECRET") # X-Pulse-Signature: sha256=HMAC(body)
  timeout = "5s"
  rate_limit_per_minute = 60
}

route "critical" {
  match           { severity = ["critical"] }
  notifiers       = ["pager", "ops-slack"]
  repeat_interval = "30m"
  escalate_after  = "15m" # unacknowledged for 15 minutes: also ...
  escalate_to     = ["ops-mail"]
}

route "everything" {
  notifiers     = ["ops-slack", "automation"]
  send_resolved = true
  group         = true # a mass event (many alerts of one rule in one cycle) is one notification
}
