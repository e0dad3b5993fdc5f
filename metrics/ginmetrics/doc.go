// Package ginmetrics records the requests a github.com/gin-gonic/gin
// engine serves in the genapp_http_* families of package metrics, as
// metrics.Middleware does for net/http. It is a package of its own so that
// programs without gin do not compile it.
package ginmetrics
