// Package echometrics records the requests a github.com/labstack/echo/v5
// server serves in the genapp_http_* families of package metrics, as
// metrics.Middleware does for net/http; package
// github.com/genapp-go/genapp/metrics/echometrics does it for echo v4.
// Each is a package of its own so that programs without echo, or with the
// other major version, do not compile it.
package echometrics
