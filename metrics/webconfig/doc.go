// Package webconfig secures the server of package metrics with a
// Prometheus web configuration file, the file exporters take as
// --web.config.file (https://prometheus.io/docs/prometheus/latest/configuration/https/):
// TLS, client certificates, basic auth with bcrypt-hashed passwords, rate
// limiting and response headers, checked by
// github.com/prometheus/exporter-toolkit/web. It is a package of its own so
// that programs that serve their metrics without it do not link the
// toolkit and what it imports (YAML, bcrypt, OAuth2, JWT, systemd socket
// activation, vsock).
//
//	wc, err := webconfig.Load(*webConfigFile) // while the flags are checked
//	...
//	err = metrics.Serve(ctx, ":9100", metrics.WithSecurity(wc))
package webconfig
