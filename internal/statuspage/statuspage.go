// Package statuspage is the status page of package metrics: HTML tables
// filled in from the registry at request time, and a script, served beside
// the page, that refreshes them from the exposition every few seconds and
// draws their recent values. Everything it serves is embedded.
package statuspage

import (
	"bytes"
	"crypto/sha256"
	"embed"
	"encoding/base64"
	"encoding/json"
	"html"
	"net/http"
	"path"
	"strconv"
	"strings"
	"time"

	"github.com/prometheus/client_golang/prometheus"
)

// contentSecurityPolicy is the policy of everything the page handler
// serves: the page loads its script, style sheet and icon from its own
// origin, fetches only from it, runs no inline script or style, and cannot
// be framed, have its base URL changed or submit a form.
const contentSecurityPolicy = "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; connect-src 'self'; " +
	"frame-ancestors 'none'; base-uri 'none'; form-action 'none'"

//go:embed assets
var assetFS embed.FS

// asset is an embedded file served beside the page.
type asset struct {
	body        []byte
	contentType string
	etag        string
}

// assets are the files served beside the page, by name.
var assets = map[string]asset{
	"status.js":  load("status.js", "text/javascript; charset=utf-8"),
	"status.css": load("status.css", "text/css; charset=utf-8"),
	"status.svg": load("status.svg", "image/svg+xml"),
}

func load(name, contentType string) asset {
	body, err := assetFS.ReadFile("assets/" + name)
	if err != nil {
		panic(err) // embedded at build time: cannot happen
	}
	sum := sha256.Sum256(body)
	return asset{body: body, contentType: contentType, etag: `"` + base64.RawURLEncoding.EncodeToString(sum[:12]) + `"`}
}

// Source returns, at each request, the registry the page shows and the
// page's title.
type Source func() (prometheus.Gatherer, string)

// Handler serves the page at the directory it is mounted on (its
// http.ServeMux pattern, such as "GET /ops/") and its assets in that
// directory; metricsPath is where the exposition is, relative to that
// directory, such as "prometheus".
func Handler(src Source, metricsPath string) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h := w.Header()
		h.Set("Content-Security-Policy", contentSecurityPolicy)
		h.Set("X-Content-Type-Options", "nosniff")
		h.Set("Referrer-Policy", "no-referrer")
		file := inMount(r)
		if strings.Contains(file, "/") {
			http.NotFound(w, r)
			return
		}
		if file != "" {
			a, ok := assets[file]
			if !ok {
				http.NotFound(w, r)
				return
			}
			h.Set("Content-Type", a.contentType)
			h.Set("Cache-Control", "no-cache") // revalidated with the ETag
			h.Set("ETag", a.etag)
			http.ServeContent(w, r, "", time.Time{}, bytes.NewReader(a.body))
			return
		}
		g, title := src()
		families, err := g.Gather()
		page := render(title, metricsPath, Tables(families), err != nil, time.Now())
		h.Set("Content-Type", "text/html; charset=utf-8")
		h.Set("Cache-Control", "no-store")
		h.Set("Content-Length", strconv.Itoa(len(page)))
		_, _ = w.Write(page)
	})
}

// inMount returns the path of r after the directory the handler is
// mounted on: the route pattern of an http.ServeMux ("GET /ops/" mounts on
// /ops/), else, with no pattern, one with wildcards or one the path does not
// start with (behind http.StripPrefix), the directory of the path.
func inMount(r *http.Request) string {
	p := r.Pattern
	if i := strings.IndexByte(p, ' '); i >= 0 {
		p = p[i+1:]
	}
	if i := strings.IndexByte(p, '/'); i >= 0 {
		p = p[i:] // drop the host
	}
	if p != "" && !strings.Contains(p, "{") && strings.HasSuffix(p, "/") && strings.HasPrefix(r.URL.Path, p) {
		return r.URL.Path[len(p):]
	}
	_, file := path.Split(r.URL.Path)
	return file
}

// render returns the page: title, the tables filled in from one gathering
// at now, and a note when the gathering failed in part.
func render(title, metricsPath string, tables []Table, gatherFailed bool, now time.Time) []byte {
	var b bytes.Buffer
	esc := html.EscapeString
	b.WriteString(`<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="referrer" content="no-referrer">
<title>`)
	b.WriteString(esc(title))
	b.WriteString(`</title>
<link rel="icon" href="status.svg" type="image/svg+xml">
<link rel="stylesheet" href="status.css">
<script src="status.js" defer></script>
</head>
<body data-metrics="`)
	b.WriteString(esc(metricsPath))
	b.WriteString(`">
<header>
<h1>`)
	b.WriteString(esc(title))
	b.WriteString(`</h1>
<p id="status">Values at `)
	b.WriteString(now.UTC().Format("15:04:05"))
	b.WriteString(` UTC, when the page was served; reload for new ones. <a href="`)
	b.WriteString(esc(metricsPath))
	b.WriteString(`">All metrics</a></p>
`)
	if gatherFailed {
		b.WriteString(`<p class="err">Some metrics could not be gathered: the tables may miss rows.</p>
`)
	}
	b.WriteString("</header>\n<main>\n")
	for _, t := range tables {
		spec, err := json.Marshal(t.spec)
		if err != nil {
			panic(err) // a fixed table of strings, ints and bools: cannot happen
		}
		b.WriteString(`<section>
<h2>`)
		b.WriteString(esc(t.Title))
		b.WriteString("</h2>\n<table id=\"" + t.ID + "\" data-spec=\"")
		b.WriteString(esc(string(spec)))
		b.WriteString("\">\n<thead><tr>")
		for i, h := range t.Heads {
			b.WriteString(cellTag("th", i, t.Labels))
			b.WriteString(esc(h))
			b.WriteString("</th>")
		}
		b.WriteString("</tr></thead>\n<tbody>\n")
		for _, r := range t.Rows {
			b.WriteString("<tr>")
			for i, c := range r {
				b.WriteString(cellTag("td", i, t.Labels))
				b.WriteString(esc(c))
				b.WriteString("</td>")
			}
			b.WriteString("</tr>\n")
		}
		b.WriteString("</tbody>\n</table>\n")
		b.WriteString(`<p class="empty"`)
		if len(t.Rows) > 0 {
			b.WriteString(" hidden")
		}
		b.WriteString(">")
		b.WriteString(esc(t.Empty))
		b.WriteString("</p>\n<p class=\"more\"")
		if t.More == 0 {
			b.WriteString(" hidden")
		}
		b.WriteString(">")
		b.WriteString(moreText(t.More))
		b.WriteString("</p>\n</section>\n")
	}
	b.WriteString("</main>\n</body>\n</html>\n")
	return b.Bytes()
}

// cellTag opens cell i of a row whose first labels cells are labels.
func cellTag(tag string, i, labels int) string {
	if i < labels {
		return "<" + tag + ` class="k">`
	}
	return "<" + tag + ` class="n">`
}

// moreText says how many rows a table leaves out; the script says it alike.
func moreText(n int) string {
	return strconv.Itoa(n) + " more rows not shown: the busiest " + strconv.Itoa(maxRows) + " are."
}
