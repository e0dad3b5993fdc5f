// Command quickstart is an HTTP service instrumented with genapp: the
// genapp_* families, the metrics server, a tracked periodic task and an
// HTTP API whose requests are counted by route. Ctrl-C stops it cleanly.
package main

import (
	"context"
	"errors"
	"flag"
	"log"
	"net/http"
	"os"
	"os/signal"
	"syscall"
	"time"

	"github.com/genapp-go/genapp/metrics"
)

func main() {
	addr := flag.String("addr", "127.0.0.1:8080", "the API's listen address")
	metricsAddr := flag.String("metrics-addr", "127.0.0.1:9464", "the metrics server's listen address")
	flag.Parse()

	// app="myservice", env="prod": every genapp_* series carries both.
	if _, err := metrics.Init("myservice", "prod"); err != nil {
		log.Fatal(err) // env: dev, preprod or prod (staging is preprod)
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()

	// GET /prometheus and /health on their own port, until ctx ends.
	served := make(chan error, 1)
	go func() { served <- metrics.Serve(ctx, *metricsAddr); stop() }()

	// A periodic job: each run counted as "ok" or "error", and timed.
	go every(ctx, 10*time.Second, metrics.Wrap("refresh_cache_task", refreshCache))

	// An HTTP API: each request counted under its route, resource="users/{id}".
	mux := http.NewServeMux()
	mux.HandleFunc("GET /users/{id}", func(w http.ResponseWriter, r *http.Request) {
		name, err := loadUser(r.Context(), r.PathValue("id"))
		if err != nil {
			http.Error(w, err.Error(), http.StatusNotFound)
			return
		}
		_, _ = w.Write([]byte(name + "\n"))
	})
	api := &http.Server{Addr: *addr, Handler: metrics.Middleware(mux), ReadHeaderTimeout: 10 * time.Second}
	stopped := make(chan struct{})
	go func() {
		defer close(stopped)
		<-ctx.Done()
		shutdown, cancel := context.WithTimeout(context.Background(), 3*time.Second)
		defer cancel()
		_ = api.Shutdown(shutdown)
	}()
	if err := api.ListenAndServe(); !errors.Is(err, http.ErrServerClosed) {
		log.Fatal(err)
	}
	<-stopped
	if err := <-served; err != nil {
		log.Fatal(err)
	}
}

// refreshCache is the job's work.
func refreshCache(ctx context.Context) error { return nil }

// loadUser is a tracked section: load_user counts each call as "ok",
// or "error" when it returns an error or panics (the panic goes on).
// a.Size(n) would add n to genapp_action_size_total, a.Fail() mark the call
// failed without an error.
func loadUser(ctx context.Context, id string) (name string, err error) {
	a := metrics.Track("load_user")
	defer a.End(&err)
	if id == "0" {
		return "", errors.New("no user 0")
	}
	return "user " + id, nil
}

// every runs job now and then at each interval until ctx ends.
func every(ctx context.Context, interval time.Duration, job func(context.Context) error) {
	t := time.NewTicker(interval)
	defer t.Stop()
	for {
		if err := job(ctx); err != nil {
			log.Print(err)
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}
