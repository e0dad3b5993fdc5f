package statuspage

import (
	"io"
	"net/http"
	"net/http/httptest"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"golang.org/x/net/html"
)

// serve runs Handler for reg on mux pattern on a loopback server, and
// behind http.StripPrefix at /strip/.
func serve(t *testing.T, reg prometheus.Gatherer, pattern string) string {
	t.Helper()
	h := Handler(func() (prometheus.Gatherer, string) { return reg, "test <app>" }, "prometheus")
	mux := http.NewServeMux()
	mux.Handle(pattern, h)
	mux.Handle("GET /strip/", http.StripPrefix("/strip", h))
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)
	return srv.URL
}

func get(t *testing.T, url string, header ...string) (*http.Response, string) {
	t.Helper()
	req, err := http.NewRequest(http.MethodGet, url, nil)
	if err != nil {
		t.Fatal(err)
	}
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	resp, err := (&http.Client{Timeout: 5 * time.Second}).Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return resp, string(body)
}

// TestPageWithoutScript reads the page as a browser without script would:
// its HTML tables hold every cell of TestTables, the hostile label value as
// text, cut to 80 characters, and the only elements are the page's own.
func TestPageWithoutScript(t *testing.T) {
	base := serve(t, testRegistry(0), "GET /")
	resp, body := get(t, base+"/")
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("GET /: %s", resp.Status)
	}
	for name, want := range map[string]string{
		"Content-Type":            "text/html; charset=utf-8",
		"Content-Security-Policy": "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'",
		"X-Content-Type-Options":  "nosniff",
		"Referrer-Policy":         "no-referrer",
		"Cache-Control":           "no-store",
	} {
		if got := resp.Header.Get(name); got != want {
			t.Errorf("%s: %q, want %q", name, got, want)
		}
	}
	doc, err := html.Parse(strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	tables := map[string][][]string{}
	var elements []string
	var inTitle bool
	for n := range doc.Descendants() {
		if n.Type != html.ElementNode {
			continue
		}
		switch n.Data {
		case "script", "img", "iframe", "object", "embed", "style", "link", "a", "form":
			elements = append(elements, n.Data+" "+attr(n, "src")+attr(n, "href"))
		case "title":
			inTitle = text(n) == "test <app>"
		case "table":
			tables[attr(n, "id")] = rows(n)
		}
	}
	if !inTitle {
		t.Error(`the title is not "test <app>" as text`)
	}
	wantElements := []string{"link status.svg", "link status.css", "script status.js", "a prometheus"}
	if !reflect.DeepEqual(elements, wantElements) {
		t.Errorf("elements that load or run something: %q, want %q", elements, wantElements)
	}
	for id, want := range wantTables {
		if got := tables[id]; !reflect.DeepEqual(got, want) {
			t.Errorf("table %s:\n got %q\nwant %q", id, got, want)
		}
	}
	// The notes of the tables without rows are shown, the others hidden.
	if shown := strings.Count(body, `<p class="empty">`); shown != 2 ||
		!strings.Contains(body, `<p class="empty">No update yet`) || !strings.Contains(body, `<p class="empty">No failed Bot API call`) {
		t.Errorf("%d notes of empty tables shown, want those of updates and failed sends", shown)
	}
}

// TestPageAssets: the script, style sheet and icon, with their types and
// ETags; a request with the ETag is answered 304; other paths 404.
func TestPageAssets(t *testing.T) {
	base := serve(t, prometheus.NewRegistry(), "GET /ops/")
	for _, c := range []struct{ path, contentType string }{
		{"/ops/status.js", "text/javascript; charset=utf-8"},
		{"/ops/status.css", "text/css; charset=utf-8"},
		{"/ops/status.svg", "image/svg+xml"},
	} {
		resp, body := get(t, base+c.path)
		if resp.StatusCode != http.StatusOK || resp.Header.Get("Content-Type") != c.contentType || body == "" ||
			resp.Header.Get("X-Content-Type-Options") != "nosniff" || resp.Header.Get("Cache-Control") != "no-cache" {
			t.Errorf("GET %s: %s, %q, %d bytes, headers %v", c.path, resp.Status, resp.Header.Get("Content-Type"), len(body), resp.Header)
			continue
		}
		etag := resp.Header.Get("ETag")
		if resp, _ := get(t, base+c.path, "If-None-Match", etag); etag == "" || resp.StatusCode != http.StatusNotModified {
			t.Errorf("GET %s with ETag %q: %s, want 304", c.path, etag, resp.Status)
		}
	}
	for path, want := range map[string]int{
		"/ops/":            http.StatusOK,
		"/ops/nothing.js":  http.StatusNotFound,
		"/ops/x/":          http.StatusNotFound,
		"/ops/x/status.js": http.StatusNotFound,
		"/strip/":          http.StatusOK,
		"/strip/status.js": http.StatusOK,
		"/":                http.StatusNotFound, // not mounted there
	} {
		if resp, _ := get(t, base+path); resp.StatusCode != want {
			t.Errorf("GET %s: %s, want %d", path, resp.Status, want)
		}
	}
}

func attr(n *html.Node, name string) string {
	for _, a := range n.Attr {
		if a.Key == name {
			return a.Val
		}
	}
	return ""
}

func text(n *html.Node) string {
	var b strings.Builder
	for d := range n.Descendants() {
		if d.Type == html.TextNode {
			b.WriteString(d.Data)
		}
	}
	return b.String()
}

// rows returns the text of the cells of the rows of table's body.
func rows(table *html.Node) [][]string {
	var out [][]string
	for n := range table.Descendants() {
		if n.Type == html.ElementNode && n.Data == "tr" && n.Parent.Data == "tbody" {
			var cells []string
			for c := range n.ChildNodes() {
				if c.Type == html.ElementNode && c.Data == "td" {
					cells = append(cells, text(c))
				}
			}
			out = append(out, cells)
		}
	}
	return out
}
