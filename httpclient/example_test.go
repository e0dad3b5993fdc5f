package httpclient_test

import (
	"context"
	"fmt"
	"io"
	"log"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"strings"
	"time"

	tgbotapi "github.com/go-telegram-bot-api/telegram-bot-api/v5"
	"github.com/prometheus/client_golang/prometheus"
	tele "gopkg.in/telebot.v3"

	"github.com/genapp-go/genapp/httpclient"
	"github.com/genapp-go/genapp/metrics"
	"github.com/genapp-go/genapp/telegram/telebotmetrics"
)

// printSamples prints the lines of m's exposition that start with one of
// prefixes.
func printSamples(m *metrics.Metrics, prefixes ...string) {
	rec := httptest.NewRecorder()
	m.Handler().ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/prometheus", nil))
	for line := range strings.Lines(rec.Body.String()) {
		for _, p := range prefixes {
			if strings.HasPrefix(line, p) {
				fmt.Print(line)
			}
		}
	}
}

// A streamed LLM answer is recorded when the stream ends, with the bytes
// read: a chat completion streamed as server-sent events.
func ExampleNewLLM() {
	llm := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		for _, token := range []string{"Hel", "lo", "!"} {
			fmt.Fprintf(w, "data: %q\n\n", token)
			w.(http.Flusher).Flush()
			time.Sleep(10 * time.Millisecond)
		}
	}))
	defer llm.Close()

	// In a service: metrics.Init("demobot", "prod") once, then
	// httpclient.NewLLM() records into that default instance.
	m, _ := metrics.New("demobot", "dev", metrics.WithRegistry(prometheus.NewRegistry()))
	client := httpclient.NewLLM(httpclient.WithMetrics(m))

	resp, err := client.Post(llm.URL+"/v1/chat/completions", "application/json",
		strings.NewReader(`{"model":"gpt-4o-mini","stream":true}`))
	if err != nil {
		log.Fatal(err)
	}
	answer, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	fmt.Printf("read %d bytes\n", len(answer))
	printSamples(m, "genapp_http_requests_total", `genapp_http_request_size_bytes_sum`)
	// Output:
	// read 36 bytes
	// genapp_http_request_size_bytes_sum{app="demobot",app_type="llm",direction="in",env="dev",method="POST",resource="v1/chat/completions",status="200"} 37
	// genapp_http_request_size_bytes_sum{app="demobot",app_type="llm",direction="out",env="dev",method="POST",resource="v1/chat/completions",status="200"} 36
	// genapp_http_requests_total{app="demobot",app_type="llm",env="dev",method="POST",resource="v1/chat/completions",status="200"} 1
}

// An auth call, and one that gets no answer: it is counted with status "0".
func ExampleNewAuth() {
	auth := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.FormValue("client_secret") != "s3cret" {
			http.Error(w, `{"error":"invalid_client"}`, http.StatusUnauthorized)
			return
		}
		io.WriteString(w, `{"access_token":"abc","expires_in":3600}`)
	}))
	defer auth.Close()

	m, _ := metrics.New("demobot", "dev", metrics.WithRegistry(prometheus.NewRegistry()))
	client := httpclient.NewAuth(httpclient.WithMetrics(m), httpclient.WithTimeout(5*time.Second))

	for _, secret := range []string{"s3cret", "wrong"} {
		resp, err := client.PostForm(auth.URL+"/oauth/token", url.Values{"client_secret": {secret}})
		if err != nil {
			log.Fatal(err)
		}
		io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	req, _ := http.NewRequestWithContext(ctx, http.MethodGet, auth.URL+"/users/1234/roles", nil)
	_, err := client.Do(req)
	fmt.Println(err != nil)
	printSamples(m, "genapp_http_requests_total")
	// Output:
	// true
	// genapp_http_requests_total{app="demobot",app_type="auth_api",env="dev",method="GET",resource="users/{int}/roles",status="0"} 1
	// genapp_http_requests_total{app="demobot",app_type="auth_api",env="dev",method="POST",resource="oauth/token",status="200"} 1
	// genapp_http_requests_total{app="demobot",app_type="auth_api",env="dev",method="POST",resource="oauth/token",status="401"} 1
}

// Both bot libraries take the client; they are given TokenPlaceholder and the
// client alone holds the token, so that no error they return quotes it.
func ExampleNewTelegram() {
	if _, err := metrics.Init("demobot", "prod"); err != nil {
		log.Fatal(err)
	}
	client := httpclient.NewTelegram(os.Getenv("BOT_TOKEN"))

	// gopkg.in/telebot.v3, polling with telebotmetrics' Poller, which backs
	// off when the Bot API fails
	poller, err := telebotmetrics.NewPoller(client)
	if err != nil {
		log.Fatal(err)
	}
	bot, err := tele.NewBot(tele.Settings{
		Token:  httpclient.TokenPlaceholder,
		Client: client,
		Poller: poller,
	})
	if err != nil {
		log.Fatal(err) // "telebot: Post \"https://api.telegram.org/botTOKEN/getMe\": ..."
	}
	go bot.Start()

	// github.com/go-telegram-bot-api/telegram-bot-api/v5
	api, err := tgbotapi.NewBotAPIWithClient(httpclient.TokenPlaceholder, tgbotapi.APIEndpoint, client)
	if err != nil {
		log.Fatal(err)
	}
	api.Send(tgbotapi.NewMessage(42, "hello"))
}

// cacheHits is a Reader that counts the answers a cache served, by their
// X-Cache header. It reads no body and keeps no state of its own, so one
// value serves every exchange.
type cacheHits struct{ hits prometheus.Counter }

func (cacheHits) RequestBody([]byte, int64, error) {}

func (c cacheHits) Response(resp *http.Response) (readBody bool) {
	if resp.Header.Get("X-Cache") == "HIT" {
		c.hits.Inc()
	}
	return false
}

func (cacheHits) ResponseBody([]byte) {}
func (cacheHits) End()                {}

// A Reader of your own: answers served from a cache, counted by their
// header on the registry of the genapp_http_* families.
func ExampleWithReader() {
	api := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/rates" {
			w.Header().Set("X-Cache", "HIT")
		}
		io.WriteString(w, `{"ok":true}`)
	}))
	defer api.Close()

	reg := prometheus.NewRegistry()
	m, _ := metrics.New("demobot", "dev", metrics.WithRegistry(reg))
	hits := prometheus.NewCounter(prometheus.CounterOpts{Name: "cache_hits_total", Help: "Answers served from a cache."})
	reg.MustRegister(hits)
	var reader httpclient.Reader = cacheHits{hits} // made an interface once, not per request
	client := httpclient.New(httpclient.WithMetrics(m),
		httpclient.WithReader(func(*http.Request, *metrics.Metrics) httpclient.Reader { return reader }))

	for _, path := range []string{"/rates", "/rates", "/orders"} {
		resp, err := client.Get(api.URL + path)
		if err != nil {
			log.Fatal(err)
		}
		io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
	}
	printSamples(m, "cache_hits_total", "genapp_http_requests_total")
	// Output:
	// cache_hits_total 2
	// genapp_http_requests_total{app="demobot",app_type="http_api",env="dev",method="GET",resource="orders",status="200"} 1
	// genapp_http_requests_total{app="demobot",app_type="http_api",env="dev",method="GET",resource="rates",status="200"} 2
}

// Instrument the transport of a client that is configured already.
func ExampleNewTransport() {
	client := &http.Client{Timeout: 10 * time.Second}
	client.Transport = httpclient.NewTransport(client.Transport,
		httpclient.WithAppType("billing_api"),
		httpclient.WithResource(func(r *http.Request) string { return "charge" }),
	)
	_ = client
}
