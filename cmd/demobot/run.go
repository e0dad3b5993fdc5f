package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"

	"github.com/genapp-go/genapp/httpclient"
	"github.com/genapp-go/genapp/internal/httpserve"
	"github.com/genapp-go/genapp/metrics"
	"github.com/genapp-go/genapp/telegram/telegramtest"
	"github.com/genapp-go/genapp/telegram/webhook"
)

// Timing of the bot's life cycle. Shutdown must end within 5 s of SIGINT:
// the long poll in flight (pollTimeout) and the handlers in flight
// (shutdownGrace) are waited for at the same time.
const (
	// pollTimeout is the getUpdates long-poll timeout: short, so that
	// stopping never waits long for the poll in flight. The fake Bot API
	// caps it at 1 s.
	pollTimeout = 2 * time.Second
	// shutdownGrace is how long handlers and webhook requests in flight may
	// take to finish once shutdown starts.
	shutdownGrace = 2 * time.Second
	// apiTimeout bounds every Bot API call, long polls included.
	apiTimeout = pollTimeout + 10*time.Second
)

// fakeHistory is how many calls, messages and answered callbacks the
// offline demo's fake Bot API remembers: the demo reads none of them, and a
// fake that remembered all would grow by megabytes an hour.
const fakeHistory = 1000

// run is the whole program: it parses args (with getenv for the
// environment variables), runs the bot until ctx ends or -duration passes,
// and returns the exit status: 0 after a clean stop, 1 when the bot could
// not run, 2 for a bad command line (before any network activity).
func run(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) int {
	cfg, err := parseConfig(args, getenv, stderr)
	if errors.Is(err, flag.ErrHelp) {
		return 0
	}
	log := slog.New(slog.NewTextHandler(stderr, nil))
	if err == nil {
		cfg.webConfig, err = cfg.loadWebConfig(log)
	}
	if err == nil {
		_, err = metrics.Init(cfg.project, cfg.env, cfg.metricsOptions()...)
		if err != nil {
			err = fmt.Errorf("%w (flags -env and -project, or APP_ENV and APP_NAME)", err)
		}
	}
	if err != nil {
		fmt.Fprintf(stderr, "demobot: %s\n", cfg.redact(err.Error()))
		return 2
	}
	if cfg.duration > 0 {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, cfg.duration)
		defer cancel()
	}
	if err := serve(ctx, cfg, stdout, log); err != nil {
		fmt.Fprintf(stderr, "demobot: %s\n", cfg.redact(err.Error()))
		return 1
	}
	fmt.Fprintln(stdout, "demobot: stopped")
	return 0
}

// redact replaces the bot token in s. The Bot API clients never see the
// token (see httpclient.TokenPlaceholder), but a webhook URL may hold it.
func (c config) redact(s string) string {
	if c.token == "" {
		return s
	}
	return strings.ReplaceAll(s, c.token, "{token}")
}

// bot is what the demo needs from a bot library, with the demo's handlers
// registered: telebot.go, tgbotapi.go and gotgbot.go implement it.
type bot interface {
	// poll handles the updates from getUpdates until ctx ends, then waits
	// for the handlers in flight, at most shutdownGrace.
	poll(ctx context.Context) error
	// ready is the Ready of poll's Poller: nil while it polls and the bot
	// can take updates.
	ready() error
	// handleUpdate handles an update a webhook request brought; its error
	// means it was no update. Handler errors are logged, not returned:
	// Telegram would only deliver the update again.
	handleUpdate(ctx context.Context, update []byte) error
	setWebhook(publicURL, secret string) error
	deleteWebhook() error
	// callbackData is the data of the menu button with payload, for the
	// simulated users.
	callbackData(payload string) string
}

// serve runs the demo until ctx ends and everything it started has stopped.
func serve(ctx context.Context, cfg config, stdout io.Writer, log *slog.Logger) (err error) {
	// The session store closes last, once nothing uses it.
	store, err := openSessions()
	if err != nil {
		return fmt.Errorf("session store: %w", err)
	}
	defer func() {
		if closeErr := store.close(); err == nil && closeErr != nil {
			err = fmt.Errorf("session store: %w", closeErr)
		}
	}()
	metricsLn, err := net.Listen("tcp", cfg.metricsAddr)
	if err != nil {
		return fmt.Errorf("metrics server: %w (choose another address with -metrics-addr or METRICS_ADDR)", err)
	}
	// Shutdown runs in this order: the bot stops taking updates and lets
	// the handlers in flight finish, at most shutdownGrace (runPolling or
	// runWebhook returns); everything else stops (ctx is cancelled and
	// their goroutines, wg, return); then the fakes the handlers call close
	// (LLM, auth, Bot API), so that a handler in flight at the stop still
	// gets its answers; the metrics server stops last, so that what the bot
	// records while it shuts down can still be scraped.
	var metricsServer sync.WaitGroup
	var metricsErr error // written before metricsServer.Done, read after Wait
	metricsCtx, stopMetrics := context.WithCancel(context.WithoutCancel(ctx))
	defer func() {
		stopMetrics()
		metricsServer.Wait()
		if err == nil && metricsErr != nil {
			err = fmt.Errorf("metrics server: %w", metricsErr)
		}
	}()
	var fakes sync.WaitGroup
	fakesCtx, closeFakes := context.WithCancel(context.WithoutCancel(ctx))
	var fake *telegramtest.Server
	var wg sync.WaitGroup
	ctx, cancel := context.WithCancel(ctx)
	ready := &readiness{ctx: ctx}
	defer func() {
		cancel()
		wg.Wait()
		closeFakes()
		fakes.Wait()
		if fake != nil {
			fake.Close()
		}
	}()
	metricsServer.Go(func() {
		// A metrics server that fails stops the demo: a bot nobody can
		// scrape shows nothing. (-web.config.file was loaded by run.)
		opts := []metrics.ServeOption{metrics.WithReadiness(ready.ready), metrics.WithStatusPage()}
		if cfg.webConfig != nil { // a nil *webconfig.Config would be a non-nil Security
			opts = append(opts, metrics.WithSecurity(cfg.webConfig))
		}
		if metricsErr = metrics.ServeListener(metricsCtx, metricsLn, opts...); metricsErr != nil {
			cancel()
		}
	})
	fmt.Fprintf(stdout, "metrics: %s\n", cfg.metricsURL(metricsLn.Addr()))
	fmt.Fprintf(stdout, "status page: %s\n", cfg.statusURL(metricsLn.Addr()))

	apiURL, token := cfg.apiURL, cfg.token
	if cfg.offline() {
		fake = telegramtest.NewServer(telegramtest.WithBotUsername("genapp_demo_bot"), telegramtest.WithHistory(fakeHistory))
		apiURL, token = fake.URL, fake.Token
	}
	d := newDemo(store)
	client := httpclient.NewTelegram(token, httpclient.WithTimeout(apiTimeout))
	var b bot
	started, err := startup(ctx, func() (err error) { // getMe
		switch cfg.framework {
		case frameworkTelebot:
			b, err = newTelebot(apiURL, client, d, log)
		case frameworkTgbotapi:
			b, err = newTgbotapi(apiURL, client, d, log)
		case frameworkGotgbot:
			b, err = newGotgbot(apiURL, client, d, log)
		case frameworkTelebot4:
			b, err = newTelebot4(apiURL, client, d, log)
		case frameworkGotelegram:
			b, err = newGotelegram(apiURL, client, d, log)
		case frameworkTelego:
			b, err = newTelego(apiURL, client, d, log)
		}
		return err
	})
	if err != nil {
		return fmt.Errorf("%s bot: %w", cfg.framework, err)
	}
	if !started {
		return nil
	}
	authURL, err := startFakeAuth(fakesCtx, &fakes, log)
	if err != nil {
		return err
	}
	wg.Go(func() { d.runTasks(ctx, authURL, log) })
	llmURL, err := startFakeLLM(fakesCtx, &fakes, log)
	if err != nil {
		return err
	}
	d.llm = newAsker(llmURL, metrics.Default())

	where := "talking to the Bot API at " + apiURL
	if fake != nil {
		where = "offline: simulated users chat with a fake Bot API at " + fake.URL
	}
	fmt.Fprintf(stdout, "demobot: %s bot, %s mode, %s (app=%q env=%q)\n", cfg.framework, cfg.mode, where, cfg.project, cfg.env)
	if cfg.mode == modeWebhook {
		interval := cfg.webhookInfoInterval
		switch {
		case interval != 0:
		case fake != nil:
			interval = webhook.MinInterval
		default:
			interval = webhook.DefaultInterval
		}
		mon, err := webhook.NewMonitor(client, webhook.WithAPIURL(apiURL), webhook.WithInterval(interval), webhook.WithLogger(log))
		if err != nil {
			return fmt.Errorf("webhook monitor: %w", err)
		}
		wg.Go(func() {
			if err := mon.Run(ctx); err != nil {
				log.Error("webhook monitor stopped", "error", err)
			}
		})
		return runWebhook(ctx, cfg, b, fake, ready, stdout, log)
	}
	return runPolling(ctx, cfg, b, fake, ready, log)
}

// runPolling runs the bot with long polling until ctx ends. It is ready
// while its Poller polls.
func runPolling(ctx context.Context, cfg config, b bot, fake *telegramtest.Server, ready *readiness, log *slog.Logger) error {
	// getUpdates fails while a webhook is set: a bot that ran in webhook
	// mode before must drop it.
	started, err := startup(ctx, b.deleteWebhook)
	if err != nil {
		return fmt.Errorf("deleteWebhook: %w", err)
	}
	if !started {
		return nil
	}
	var users sync.WaitGroup
	defer users.Wait()
	if fake != nil {
		users.Go(func() { simulateUsers(ctx, fake, b.callbackData, cfg.users, false, log) })
	}
	ready.set(b.ready)
	return b.poll(ctx)
}

// webhookPath is the path the webhook is served on offline. With
// -webhook-url, it is the URL's path, "/" when it has none.
const webhookPath = "/telegram/webhook"

// runWebhook serves the webhook on -webhook-listen until ctx ends. It
// registers the public URL with the Bot API, with the secret token that
// every update request must carry: -webhook-secret, so that replicas behind
// one URL accept the same requests (each one's setWebhook then registers
// the same URL and secret again, which changes nothing), else a random one.
// It is ready once setWebhook succeeded, while the webhook server serves.
func runWebhook(ctx context.Context, cfg config, b bot, fake *telegramtest.Server, ready *readiness, stdout io.Writer, log *slog.Logger) error {
	ln, err := net.Listen("tcp", cfg.webhookListen)
	if err != nil {
		return fmt.Errorf("webhook server: %w (choose another address with -webhook-listen or WEBHOOK_ADDR)", err)
	}
	publicURL := cfg.webhookURL
	if publicURL == "" { // offline: the fake Bot API posts to the listener
		publicURL = "http://" + ln.Addr().String() + webhookPath
	}
	path := webhookPath
	if u, err := url.Parse(publicURL); err == nil {
		path = u.Path
		if path == "" { // Telegram posts to "/"
			path = "/"
		}
	}
	secret := cfg.webhookSecret // checked by validate
	if secret == "" {
		secret = webhook.NewSecret()
	}
	// webhook.Handler refuses requests without the secret: anyone who finds
	// the URL could post forged updates otherwise.
	h, err := webhook.New(secret, b.handleUpdate)
	if err != nil {
		ln.Close()
		return err
	}
	var handler http.Handler = metrics.Middleware(onPath(path, h))
	if fake != nil {
		handler = withHiccups(ctx, handler)
	}
	srv := newWebhookServer(handler)
	// The server runs until the demo stops, or until setWebhook failed.
	serveCtx, stopServing := context.WithCancel(ctx)
	defer stopServing()
	served, stopped := make(chan error, 1), make(chan struct{})
	go func() {
		defer close(stopped)
		served <- httpserve.Run(serveCtx, srv, func() error { return srv.Serve(ln) }, shutdownGrace)
	}()
	fmt.Fprintf(stdout, "webhook: %s\n", describeWebhook(ln.Addr(), path, publicURL))

	var users sync.WaitGroup
	started, err := startup(ctx, func() error { return b.setWebhook(publicURL, secret) })
	if err != nil {
		err = fmt.Errorf("setWebhook: %w", err)
	} else if started {
		ready.set(serving(stopped))
		if fake != nil {
			users.Go(func() { simulateUsers(ctx, fake, b.callbackData, cfg.users, true, log) })
		}
		<-ctx.Done()
	}
	// The stop lets the update requests in flight finish, then refuses
	// more: the fake Bot API stops delivering, as the real one would.
	stopServing()
	switch serveErr := <-served; {
	case errors.Is(serveErr, httpserve.ErrTimeout):
		log.Warn("webhook requests still running at shutdown", "error", serveErr)
	case serveErr != nil:
		err = errors.Join(err, fmt.Errorf("webhook server: %w", serveErr))
	}
	users.Wait()
	return err
}

// describeWebhook says where the webhook is served. Of the public URL it
// shows the scheme and host, and the path only when it is webhookPath: a
// path, query or user from -webhook-url may hold the bot token or another
// secret.
func describeWebhook(addr net.Addr, path, publicURL string) string {
	origin := "(not a URL)"
	if u, err := url.Parse(publicURL); err == nil {
		origin = u.Scheme + "://" + u.Host
	}
	if path == webhookPath {
		return fmt.Sprintf("http://%s%s (public URL %s%s)", addr, path, origin, path)
	}
	return fmt.Sprintf("http://%s (public URL %s; its path, from -webhook-url, is not shown: it may hold a secret)", addr, origin)
}

// startup runs call, a Bot API call made while the bot starts (getMe,
// deleteWebhook, setWebhook), on a goroutine of its own, and returns true
// with its error, or false as soon as ctx ends. Neither library takes a
// context for these calls: without startup, SIGINT or SIGTERM would wait
// for a hanging Bot API until apiTimeout and end in an error. An
// abandoned call ends at apiTimeout, unless the process has exited
// before. A panic in call (telebot's, on a malformed answer) is returned
// as an error: a hostile Bot API does not crash the demo.
func startup(ctx context.Context, call func() error) (done bool, err error) {
	result := make(chan error, 1)
	go func() {
		defer func() {
			if p := recover(); p != nil {
				result <- fmt.Errorf("the bot library panicked: %v", p)
			}
		}()
		result <- call()
	}()
	select {
	case err := <-result:
		return true, err
	case <-ctx.Done():
		return false, nil
	}
}

// waitFor waits until done is closed, at most timeout, and logs when it
// gives up.
func waitFor(done <-chan struct{}, timeout time.Duration, log *slog.Logger) {
	select {
	case <-done:
	case <-time.After(timeout):
		log.Warn("still running at shutdown, not waiting any longer", "waited", timeout)
	}
}

// wgDone returns a channel closed once wg is done.
func wgDone(wg *sync.WaitGroup) <-chan struct{} {
	done := make(chan struct{})
	go func() { wg.Wait(); close(done) }()
	return done
}
