server {
  listen     = "127.0.0.1:9000"
  data_dir   = "state"
  plugin_dir = "/opt/pulse/plugins"
  log_level  = "debug"
  log_format = "json"
}
