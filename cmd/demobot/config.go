package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net/url"
	"slices"
	"strings"
	"time"

	tele "gopkg.in/telebot.v3"

	"github.com/genapp-go/genapp/metrics"
	"github.com/genapp-go/genapp/metrics/webconfig"
	"github.com/genapp-go/genapp/telegram/webhook"
)

// Values of -framework and -mode.
const (
	frameworkTelebot  = "telebot"
	frameworkTelebot4 = "telebot4"
	frameworkTgbotapi = "tgbotapi"
	frameworkGotgbot  = "gotgbot"
	frameworkTelego   = "telego"

	modePolling = "polling"
	modeWebhook = "webhook"
)

var (
	frameworks = []string{frameworkTelebot, frameworkTgbotapi, frameworkTelebot4, frameworkGotelegram, frameworkTelego, frameworkGotgbot}
	modes      = []string{modePolling, modeWebhook}
)

// config is the command line, after environment variables have filled in
// the flags it does not set.
type config struct {
	token       string // "" runs offline
	apiURL      string // Bot API server, with a token
	framework   string
	mode        string
	env         string
	project     string
	metricsAddr string        // metrics server address
	duration    time.Duration // 0: until SIGINT or SIGTERM
	users       int           // offline: simulated users with ids 1..users besides the scripted ones

	nativeHistograms bool // every genapp_* histogram native too

	webhookURL    string // public URL Telegram posts updates to; offline, derived from webhookListen
	webhookListen string
	webhookSecret string // secret_token given to setWebhook; "" draws a random one
	// webhookInfoInterval is how often the webhook monitor polls
	// getWebhookInfo; 0: webhook.DefaultInterval, webhook.MinInterval offline.
	webhookInfoInterval time.Duration

	webConfigFile           string // Prometheus web configuration of the metrics server; "" serves plain HTTP
	webConfigAllowUnsecured bool
	webConfig               *webconfig.Config // loaded from webConfigFile by run; nil serves plain HTTP
}

// offline reports whether the bot runs against the in-process fake Bot API.
func (c config) offline() bool { return c.token == "" }

// envVars names the environment variable that sets each flag when the
// command line does not. The flag wins over the variable.
var envVars = map[string]string{
	"token":          "TELEGRAM_BOT_TOKEN",
	"api-url":        "TELEGRAM_API_URL",
	"framework":      "BOT_FRAMEWORK",
	"mode":           "BOT_MODE",
	"env":            "APP_ENV",
	"project":        "APP_NAME",
	"metrics-addr":   "METRICS_ADDR",
	"duration":       "DEMO_DURATION",
	"users":          "DEMO_USERS",
	"webhook-url":    "WEBHOOK_URL",
	"webhook-listen": "WEBHOOK_ADDR",
	"webhook-secret": "WEBHOOK_SECRET",

	"webhook-info-interval": "WEBHOOK_INFO_INTERVAL",

	"native-histograms": "NATIVE_HISTOGRAMS",

	"web.config.file":            "WEB_CONFIG_FILE",
	"web.config.allow-unsecured": "WEB_CONFIG_ALLOW_UNSECURED",
}

// renamedFlags maps flags renamed before the first release to their names,
// so that a command line written for the old name says what to write.
var renamedFlags = map[string]string{"listen": "metrics-addr"}

// parseConfig parses args, then takes the flags args does not set from
// getenv. Help goes to out. The error names the flag (and variable) at fault
// and the values allowed; flag.ErrHelp means help was asked for.
func parseConfig(args []string, getenv func(string) string, out io.Writer) (config, error) {
	var c config
	fs := flag.NewFlagSet("demobot", flag.ContinueOnError)
	fs.SetOutput(out)
	// The token has no default on purpose: -help prints defaults, and the
	// token is read from the environment only after parsing.
	fs.StringVar(&c.token, "token", "", "Telegram bot token; without one the bot runs offline against a fake Bot API with simulated users")
	fs.StringVar(&c.apiURL, "api-url", tele.DefaultApiURL, "Bot API server used with -token, such as a local telegram-bot-api server")
	fs.StringVar(&c.framework, "framework", frameworkTelebot, "bot library: "+strings.Join(frameworks, " or "))
	fs.StringVar(&c.mode, "mode", modePolling, "how updates arrive: "+strings.Join(modes, " or "))
	fs.StringVar(&c.env, "env", "dev", "env label of every genapp_* series: dev, preprod or prod")
	fs.StringVar(&c.project, "project", "demobot", "app label of every genapp_* series")
	fs.StringVar(&c.metricsAddr, "metrics-addr", "127.0.0.1:9464", "address of the metrics server (GET /prometheus, /health, /ready, and the status page at /)")
	fs.DurationVar(&c.duration, "duration", 0, "stop cleanly after this long, such as 30s; 0 runs until SIGINT or SIGTERM")
	fs.IntVar(&c.users, "users", 0, fmt.Sprintf("offline: simulate this many more users, ids 1 to N, the same in every process: each writes within the first 20 s (up to %d), some block the bot and come back, some sends fail", maxUsersIn20s))
	fs.BoolVar(&c.nativeHistograms, "native-histograms", false, "make every genapp_* histogram a native histogram too (factor 1.1), for a Prometheus that scrapes them; the classic buckets stay")
	fs.StringVar(&c.webhookURL, "webhook-url", "", "webhook mode: public HTTPS URL Telegram posts updates to (required with -token); its path is served on -webhook-listen")
	fs.StringVar(&c.webhookListen, "webhook-listen", "127.0.0.1:8443", "webhook mode: address the webhook server listens on")
	fs.StringVar(&c.webhookSecret, "webhook-secret", "", "webhook mode: secret token every update request must carry (1-256 characters A-Z a-z 0-9 _ -), the same for every replica behind one URL; default a random one per process")
	fs.DurationVar(&c.webhookInfoInterval, "webhook-info-interval", 0, fmt.Sprintf("webhook mode: how often getWebhookInfo is polled for the webhook gauges, at least %v; 0 means %v (%v offline)", webhook.MinInterval, webhook.DefaultInterval, webhook.MinInterval))
	fs.StringVar(&c.webConfigFile, "web.config.file", "", "Prometheus web configuration file (TLS, client certificates, basic auth) securing the metrics server, as exporters take it")
	fs.BoolVar(&c.webConfigAllowUnsecured, "web.config.allow-unsecured", false, "accept a -web.config.file that configures neither TLS nor basic auth, leaving the metrics server open to anyone")
	fs.VisitAll(func(f *flag.Flag) { f.Usage += " (env " + envVars[f.Name] + ")" })

	if err := fs.Parse(args); err != nil {
		// The flag package has printed the error and the usage.
		for old, now := range renamedFlags {
			if err.Error() == "flag provided but not defined: -"+old {
				return c, fmt.Errorf("%w: -%s is now -%s (%s is unchanged)", err, old, now, envVars[now])
			}
		}
		return c, err
	}
	if fs.NArg() > 0 {
		return c, fmt.Errorf("unexpected argument %q: demobot takes flags only (see -help)", fs.Arg(0))
	}
	set := map[string]bool{}
	fs.Visit(func(f *flag.Flag) { set[f.Name] = true })
	var errs []error
	fs.VisitAll(func(f *flag.Flag) {
		name := envVars[f.Name]
		if v := getenv(name); v != "" && !set[f.Name] {
			if err := fs.Set(f.Name, v); err != nil {
				errs = append(errs, fmt.Errorf("environment variable %s=%q: invalid value for -%s: %w%s", name, v, f.Name, err, wantValue(f))) // string flags, the token among them, never fail
			}
		}
	})
	if err := errors.Join(errs...); err != nil {
		return c, err
	}
	return c, c.validate()
}

// wantValue says what a flag of f's type takes, for an environment variable
// that failed to parse: the flag package's "parse error" does not say, and
// the usage it prints for a bad command line is not printed here.
func wantValue(f *flag.Flag) string {
	if b, ok := f.Value.(interface{ IsBoolFlag() bool }); ok && b.IsBoolFlag() {
		return ": want true or false"
	}
	if g, ok := f.Value.(flag.Getter); ok {
		if _, ok := g.Get().(time.Duration); ok {
			return ": want a duration such as 30s, 1m or 0"
		}
	}
	return ""
}

// loadWebConfig loads -web.config.file, if set, logging its changes to log.
// run loads it with the flags, so that a file that cannot secure the
// metrics server stops the demo before it opens a socket or calls the Bot
// API.
func (c config) loadWebConfig(log *slog.Logger) (*webconfig.Config, error) {
	if c.webConfigFile == "" {
		return nil, nil
	}
	opts := []webconfig.Option{webconfig.WithLogger(log)}
	if c.webConfigAllowUnsecured {
		opts = append(opts, webconfig.AllowUnsecured())
	}
	wc, err := webconfig.Load(c.webConfigFile, opts...)
	if errors.Is(err, webconfig.ErrUnsecured) {
		return nil, fmt.Errorf("-web.config.file: %w (-web.config.allow-unsecured accepts it)", err)
	}
	if err != nil {
		return nil, fmt.Errorf("-web.config.file: %w", err)
	}
	return wc, nil
}

// metricsOptions are the options of metrics.Init: exemplars always, so that
// the page links durations to the spans the demo starts (see withSpan),
// active users always (the key derived from the labels is the same in
// every process, so that replicas merge), and native histograms with
// -native-histograms.
func (c config) metricsOptions() []metrics.Option {
	opts := []metrics.Option{metrics.WithExemplars(), metrics.WithActiveUsers()}
	if c.nativeHistograms {
		opts = append(opts, metrics.WithNativeHistograms(metrics.DefaultNativeHistogramFactor))
	}
	return opts
}

// validate checks what the flag package cannot. The env and project labels
// are checked by metrics.Init, which knows the allowed values.
func (c config) validate() error {
	if !slices.Contains(frameworks, c.framework) {
		return fmt.Errorf("-framework %q is not supported: use %s", c.framework, strings.Join(frameworks, " or "))
	}
	if !slices.Contains(modes, c.mode) {
		return fmt.Errorf("-mode %q is not supported: use %s", c.mode, strings.Join(modes, " or "))
	}
	if c.duration < 0 {
		return fmt.Errorf("-duration (or %s) %v is negative: use 0 to run until SIGINT or SIGTERM", envVars["duration"], c.duration)
	}
	if c.users < 0 || c.users > maxUsers {
		return fmt.Errorf("-users (or %s) %d: want 0 to %d", envVars["users"], c.users, maxUsers)
	}
	if c.users > 0 && !c.offline() {
		return fmt.Errorf("-users (or %s) simulates users of the offline bot: it takes no -token", envVars["users"])
	}
	if err := checkURL("-api-url", c.apiURL); err != nil {
		return err
	}
	if c.webhookURL != "" {
		// Not quoted: its path or query may hold the bot token or another
		// secret, and the message goes to stderr, which is logged.
		if err := checkURL("-webhook-url", c.webhookURL); err != nil {
			return errors.New("-webhook-url (not shown: it may hold a secret) is not an absolute http or https URL")
		}
	}
	if c.webhookSecret != "" {
		if err := webhook.CheckSecret(c.webhookSecret); err != nil { // which does not quote it
			return fmt.Errorf("-webhook-secret (or %s): %w", envVars["webhook-secret"], err)
		}
	}
	if c.webhookInfoInterval != 0 && c.webhookInfoInterval < webhook.MinInterval {
		return fmt.Errorf("-webhook-info-interval (or %s) %v: want 0 (the default) or at least %v", envVars["webhook-info-interval"], c.webhookInfoInterval, webhook.MinInterval)
	}
	if c.mode == modeWebhook && !c.offline() && c.webhookURL == "" {
		return errors.New("-mode webhook with a token needs -webhook-url: the public HTTPS URL Telegram posts updates to")
	}
	return nil
}

// checkURL reports whether s is an absolute http or https URL.
func checkURL(flagName, s string) error {
	u, err := url.Parse(s)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return fmt.Errorf("%s %q is not an absolute http or https URL", flagName, s)
	}
	return nil
}
