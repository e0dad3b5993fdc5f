package main

import (
	"bytes"
	"cmp"
	"context"
	"errors"
	"fmt"
	"image"
	"image/color"
	"image/draw"
	"image/png"
	"io"
	"maps"
	"net/url"
	"os"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	cdplog "github.com/chromedp/cdproto/log"
	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/cdproto/runtime"
	"github.com/chromedp/chromedp"
	dto "github.com/prometheus/client_model/go"
	"github.com/prometheus/common/expfmt"

	"github.com/genapp-go/genapp/internal/statuspage"
	"github.com/genapp-go/genapp/internal/toolstest"
	"github.com/genapp-go/genapp/metrics"
)

// screenshotEnv, set to 1, has TestStatusPageInBrowser write the page's
// screenshot to screenshotPath.
const (
	screenshotEnv  = "UPDATE_SCREENSHOT"
	screenshotPath = "../../docs/status-page.png"
)

// pageTable is a table of the status page as the browser shows it.
type pageTable struct {
	ID   string     `json:"id"`
	Rows [][]string `json:"rows"`
}

// pageState is what the page shows after its scrapes-th scrape, and the
// elements of its main part other than tables and their text.
type pageState struct {
	Scrapes  string      `json:"scrapes"`
	Tables   []pageTable `json:"tables"`
	Elements []string    `json:"elements"`
}

// readPage reads the page's tables and scrape count at one moment.
const readPage = `({
	scrapes: document.body.dataset.scrapes || "0",
	tables: Array.from(document.querySelectorAll("table[data-spec]"), (t) => ({
		id: t.id,
		rows: Array.from(t.tBodies[0].rows, (r) => Array.from(r.cells, (c) => c.textContent)),
	})),
	elements: Array.from(new Set(Array.from(document.querySelectorAll("main *"), (e) => e.localName))).sort(),
})`

// browser records what a page does: every request it sends, the ids of
// its scrapes of /prometheus in order, and its console errors, exceptions
// and log entries of level error or warning (CSP violations, failed loads).
type browser struct {
	mu       sync.Mutex
	requests []string
	scrapes  []network.RequestID
	problems []string
}

func (b *browser) listen(ev any) {
	b.mu.Lock()
	defer b.mu.Unlock()
	switch e := ev.(type) {
	case *network.EventRequestWillBeSent:
		b.requests = append(b.requests, e.Request.URL)
		if u, err := url.Parse(e.Request.URL); err == nil && u.Path == "/prometheus" {
			b.scrapes = append(b.scrapes, e.RequestID)
		}
	case *runtime.EventConsoleAPICalled:
		if e.Type == runtime.ConsoleAPICalledTypeError || e.Type == runtime.ConsoleAPICalledTypeWarning || e.Type == runtime.ConsoleAPICalledTypeAssert {
			var args []string
			for _, a := range e.Args {
				args = append(args, string(a.Value)+a.Description)
			}
			b.problems = append(b.problems, fmt.Sprintf("console.%s: %s", e.Type, strings.Join(args, " ")))
		}
	case *runtime.EventExceptionThrown:
		d := e.ExceptionDetails
		desc := ""
		if d.Exception != nil {
			desc = d.Exception.Description
		}
		b.problems = append(b.problems, fmt.Sprintf("exception at %s:%d:%d: %s %s", d.URL, d.LineNumber+1, d.ColumnNumber+1, d.Text, desc))
	case *cdplog.EventEntryAdded:
		if e.Entry.Level == cdplog.EntryLevelError || e.Entry.Level == cdplog.EntryLevelWarning {
			b.problems = append(b.problems, fmt.Sprintf("log %s (%s): %s %s", e.Entry.Level, e.Entry.Source, e.Entry.Text, e.Entry.URL))
		}
	}
}

// scrape returns the id of the page's n-th scrape (from 1).
func (b *browser) scrape(n int) (network.RequestID, bool) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if n < 1 || n > len(b.scrapes) {
		return "", false
	}
	return b.scrapes[n-1], true
}

// startBrowser starts Debian's chromium, headless, on a profile of the
// test's own, with script enabled or not, and returns its first tab and
// what it records. It is stopped when the test ends.
func startBrowser(t *testing.T, script bool) (context.Context, *browser) {
	t.Helper()
	path := toolstest.Require(t, "chromium")
	opts := append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.ExecPath(path),
		chromedp.Flag("headless", "new"),
		chromedp.NoSandbox, // the tests may run as root
		chromedp.UserDataDir(t.TempDir()),
		chromedp.WindowSize(1280, 900),
		chromedp.Flag("blink-settings", "scriptEnabled="+strconv.FormatBool(script)),
	)
	ctx, cancel := context.WithTimeout(context.Background(), 90*time.Second)
	t.Cleanup(cancel)
	allocCtx, cancelAlloc := chromedp.NewExecAllocator(ctx, opts...)
	t.Cleanup(cancelAlloc)
	b := &browser{}
	tab, cancelTab := chromedp.NewContext(allocCtx, chromedp.WithListener(b.listen)) // Log, Network and Runtime enabled
	t.Cleanup(cancelTab)
	if err := chromedp.Do(tab); err != nil {
		t.Fatalf("starting chromium %s: %v", path, err)
	}
	return tab, b
}

// hostileModel is a model name, as an LLM API may answer, that would be
// markup, and a request elsewhere, if the page did not keep it text; of
// 118 bytes, within the 128 the series guard keeps, it is longer than a
// cell shows.
var hostileModel = `<img src="http://192.0.2.1/x.png"><script>fetch("http://192.0.2.1/")</script>` + strings.Repeat("m", 40)

// TestStatusPageInBrowser loads the demo's status page in headless
// chromium, with an LLM call of a hostile model name recorded, and waits
// for its script to refresh it from /prometheus twice or more. Then every
// cell the page shows, rates aside, is the cell the server computes from
// the exposition the page last read, byte for byte (the hostile name as
// text, cut short); the rates are rates; the page holds no element but
// tables, text and charts; it logged no error or warning, threw no
// exception, and every request it made went to the demo's server.
func TestStatusPageInBrowser(t *testing.T) {
	r := startRun(t, nil, "-metrics-addr", "127.0.0.1:0")
	base := strings.TrimSuffix(r.metricsURL, "prometheus")
	screenshot := os.Getenv(screenshotEnv) == "1"
	if !screenshot { // the screenshot shows the demo alone
		metrics.RecordLLMRequest(context.Background(), metrics.LLMCall{Provider: "hostile", Model: hostileModel})
	}
	tab, b := startBrowser(t, true)
	if err := chromedp.Do(tab, chromedp.Navigate(base)); err != nil {
		t.Fatal(err)
	}

	want := 3 // the first scrape has no rate yet
	if screenshot {
		want = 12 // a minute of charts
	}
	var state pageState
	deadline := time.Now().Add(time.Duration(want)*5*time.Second + 20*time.Second)
	for {
		var err error
		if state, err = chromedp.Run(tab, chromedp.Evaluate[pageState](readPage)); err != nil {
			t.Fatal(err)
		}
		if n, _ := strconv.Atoi(state.Scrapes); n >= want {
			break
		}
		if time.Now().After(deadline) {
			b.mu.Lock()
			t.Fatalf("the page made %s scrapes in %v, want %d; it requested %q and reported %q", state.Scrapes, time.Duration(want)*5*time.Second+20*time.Second, want, b.requests, b.problems)
		}
		time.Sleep(200 * time.Millisecond)
	}

	n, _ := strconv.Atoi(state.Scrapes)
	var body []byte
	for wait := time.Now().Add(5 * time.Second); ; time.Sleep(50 * time.Millisecond) {
		if id, ok := b.scrape(n); ok {
			res, err := chromedp.Call(tab, network.GetResponseBody, network.GetResponseBodyParams{RequestID: id})
			if err != nil {
				t.Fatalf("the body of scrape %d: %v", n, err)
			}
			body = []byte(res.Body)
			if res.Base64encoded {
				t.Fatalf("the body of scrape %d came base64-encoded", n)
			}
			break
		}
		if time.Now().After(wait) {
			t.Fatalf("the browser reported no request for scrape %d", n)
		}
	}
	expected := statuspage.Tables(parseExposition(t, body))
	checkPage(t, state.Tables, expected)
	wantElements := []string{"h2", "p", "polyline", "section", "svg", "table", "tbody", "td", "th", "thead", "tr"}
	if !slices.Equal(state.Elements, wantElements) {
		t.Errorf("the page's main part holds the elements %q, want %q", state.Elements, wantElements)
	}
	shown := false
	for _, tb := range state.Tables {
		for _, row := range tb.Rows {
			shown = shown || tb.ID == "llm" && slices.Contains(row, hostileModel[:80]+"…")
		}
	}
	if !shown && !screenshot {
		t.Errorf("the LLM table does not show the hostile model name as text: %q", state.Tables)
	}

	if screenshot {
		shot, err := chromedp.Run(tab, chromedp.FullScreenshot(100))
		if err != nil {
			t.Fatal(err)
		}
		shot = paletted(t, shot)
		if err := os.WriteFile(screenshotPath, shot, 0o644); err != nil {
			t.Fatal(err)
		}
		t.Logf("wrote %s, %d bytes", screenshotPath, len(shot))
	}

	b.mu.Lock()
	defer b.mu.Unlock()
	for _, p := range b.problems {
		t.Errorf("the page reported %s", p)
	}
	origin := strings.TrimSuffix(base, "/")
	for _, u := range b.requests {
		if !strings.HasPrefix(u, origin+"/") {
			t.Errorf("the page requested %s, outside %s", u, origin)
		}
	}
	for _, p := range []string{"/", "/status.js", "/status.css", "/status.svg", "/prometheus"} {
		if !slices.Contains(b.requests, origin+p) {
			t.Errorf("the page did not request %s; it requested %q", p, b.requests)
		}
	}
}

// rateCell is a rate as the page shows it.
var rateCell = regexp.MustCompile(`^\d+\.\d\d/s$`)

// checkPage compares the tables the page shows with those the server
// computes; the rate columns, which only the page computes, must be rates.
func checkPage(t *testing.T, got []pageTable, want []statuspage.Table) {
	t.Helper()
	if len(got) != len(want) {
		t.Fatalf("the page shows %d tables, want %d", len(got), len(want))
	}
	nonEmpty := 0
	for i, w := range want {
		g := got[i]
		if g.ID != w.ID {
			t.Errorf("table %d is %q, want %q", i, g.ID, w.ID)
			continue
		}
		if len(g.Rows) != len(w.Rows) {
			t.Errorf("table %s: %d rows %q, want %d %q", w.ID, len(g.Rows), g.Rows, len(w.Rows), w.Rows)
			continue
		}
		if len(w.Rows) > 0 {
			nonEmpty++
		}
		for j, wr := range w.Rows {
			gr := g.Rows[j]
			if len(gr) != len(wr) {
				t.Errorf("table %s row %d: %q, want %q", w.ID, j, gr, wr)
				continue
			}
			for k := range wr {
				if w.Heads[k] == "rate" {
					if !rateCell.MatchString(gr[k]) {
						t.Errorf("table %s row %d: rate %q, want a rate such as 1.25/s", w.ID, j, gr[k])
					}
					continue
				}
				if gr[k] != wr[k] {
					t.Errorf("table %s row %d column %s: page %q, exposition %q (row %q)", w.ID, j, w.Heads[k], gr[k], wr[k], wr)
				}
			}
		}
	}
	if nonEmpty != len(want) {
		t.Errorf("%d of the %d tables have rows; the demo fills in every one", nonEmpty, len(want))
	}
}

// parseExposition parses a text exposition.
func parseExposition(t *testing.T, body []byte) []*dto.MetricFamily {
	t.Helper()
	dec := expfmt.NewDecoder(bytes.NewReader(body), expfmt.NewFormat(expfmt.TypeTextPlain))
	var families []*dto.MetricFamily
	for {
		mf := &dto.MetricFamily{}
		err := dec.Decode(mf)
		if errors.Is(err, io.EOF) {
			return families
		}
		if err != nil {
			t.Fatalf("parsing the exposition the page read: %v", err)
		}
		families = append(families, mf)
	}
}

// paletted re-encodes a screenshot with its 256 most frequent colours,
// each pixel in the nearest: a third of the size, and as sharp (the page
// has a few colours, and anti-aliasing between them).
func paletted(t *testing.T, data []byte) []byte {
	t.Helper()
	img, err := png.Decode(bytes.NewReader(data))
	if err != nil {
		t.Fatal(err)
	}
	counts := map[color.RGBA]int{}
	b := img.Bounds()
	for y := b.Min.Y; y < b.Max.Y; y++ {
		for x := b.Min.X; x < b.Max.X; x++ {
			counts[color.RGBAModel.Convert(img.At(x, y)).(color.RGBA)]++
		}
	}
	colors := slices.Collect(maps.Keys(counts))
	slices.SortFunc(colors, func(a, b color.RGBA) int {
		return cmp.Or(counts[b]-counts[a], cmp.Compare(uint32(a.R)<<24|uint32(a.G)<<16|uint32(a.B)<<8|uint32(a.A), uint32(b.R)<<24|uint32(b.G)<<16|uint32(b.B)<<8|uint32(b.A)))
	})
	pal := make(color.Palette, 0, 256)
	for _, c := range colors[:min(len(colors), 256)] {
		pal = append(pal, c)
	}
	out := image.NewPaletted(b, pal)
	draw.Draw(out, b, img, b.Min, draw.Src)
	var buf bytes.Buffer
	if err := (&png.Encoder{CompressionLevel: png.BestCompression}).Encode(&buf, out); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}
