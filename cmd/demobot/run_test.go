package main

import (
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/genapp-go/genapp/internal/proctest"
	"github.com/genapp-go/genapp/internal/promtest"
	"github.com/genapp-go/genapp/telegram/telegramtest"

	"github.com/genapp-go/genapp/internal/logtest"
)

// inProcess serializes the tests that run the demo in the test process:
// metrics.Init sets the process-wide default instance. They run in parallel
// with the tests that run it as a process.
var inProcess sync.Mutex

// series is one series a test expects on the page.
type series struct {
	family string
	labels promtest.Labels
}

func (s series) String() string { return fmt.Sprintf("%s%v", s.family, s.labels) }

const (
	actionCount = "genapp_action_count_total"
	httpCount   = "genapp_http_requests_total"
)

func action(name, status string) series {
	return series{actionCount, promtest.Labels{"name": name, "status": status}}
}

func botAPI(method string) series {
	return series{httpCount, promtest.Labels{"app_type": "telegram_api", "resource": method, "method": "POST", "status": "200"}}
}

// handlerNames are every action name the demo's handlers record.
var handlerNames = []string{
	"start_handler", "menu_handler", "slow_handler", "fail_handler", "panic_handler", "ask_handler",
	"menu_callback_handler", "text_handler", "unknown_command_handler",
}

// defaultHandlerNames are the names go-telegram/bot's default handler
// records besides: it runs for every update no route takes, the blocks of
// the simulated users too, named after their kind.
var defaultHandlerNames = []string{"my_chat_member_handler"}

// offlineSeries is what the offline demo must show within seconds, in both
// modes and with both libraries: each handler with the outcome it has, both
// outcomes of the menu buttons, the task, the Bot API methods, the auth
// service, the latency and size histograms, and the Go runtime.
var offlineSeries = []series{
	action("start_handler", "ok"), action("menu_handler", "ok"), action("slow_handler", "ok"),
	action("text_handler", "ok"), action("unknown_command_handler", "ok"),
	action("fail_handler", "error"), action("panic_handler", "error"),
	action("menu_callback_handler", "ok"), action("menu_callback_handler", "error"),
	action("cleanup_task", "ok"), action("ask_handler", "ok"),
	{"genapp_llm_requests_total", promtest.Labels{"model_name": llmModel, "provider_name": llmProvider, "agent_name": llmAgent}},
	{"genapp_llm_tokens_total", promtest.Labels{"model_name": llmModel, "token_type": "output"}},
	{"genapp_llm_time_to_first_token_sec", promtest.Labels{"model_name": llmModel}},
	{"genapp_llm_time_per_output_token_sec", promtest.Labels{"model_name": llmModel}},
	{"genapp_llm_cost_usd_total", promtest.Labels{"model_name": llmModel, "token_type": "input"}},
	{"genapp_llm_cost_usd_total", promtest.Labels{"model_name": llmModel, "token_type": "output"}},
	{"genapp_llm_unpriced_tokens_total", promtest.Labels{"model_name": llmLocalModel, "token_type": "input"}},
	{"genapp_llm_usage_rejected_total", promtest.Labels{"model_name": llmModel, "reason": "too_large"}},
	{"genapp_llm_ratelimit_remaining", promtest.Labels{"model_name": llmModel, "provider_name": llmProvider, "limit": "tokens"}},
	{"genapp_llm_ratelimit_limit", promtest.Labels{"model_name": llmModel, "provider_name": llmProvider, "limit": "requests"}},
	{"genapp_llm_price_table_info", promtest.Labels{"source": "embedded"}},
	{"genapp_action_duration_sec", promtest.Labels{"name": "slow_handler"}},
	{"genapp_action_size_total", promtest.Labels{"name": "cleanup_task"}},
	{"genapp_sql_pool_size", promtest.Labels{"database": sessionsDatabase}},
	{"genapp_sql_pool_busy_connections", promtest.Labels{"database": sessionsDatabase}},
	{"genapp_sql_pool_free_connections", promtest.Labels{"database": sessionsDatabase}},
	{"genapp_sql_pool_overflow_connections", promtest.Labels{"database": sessionsDatabase}},
	botAPI("getMe"), botAPI("sendMessage"), botAPI("answerCallbackQuery"), botAPI("editMessageText"),
	{"genapp_http_request_duration_sec", promtest.Labels{"app_type": "telegram_api", "resource": "sendMessage"}},
	{"genapp_http_request_size_bytes", promtest.Labels{"app_type": "telegram_api", "resource": "sendMessage", "direction": "in"}},
	{"genapp_http_request_size_bytes", promtest.Labels{"app_type": "telegram_api", "resource": "sendMessage", "direction": "out"}},
	{httpCount, promtest.Labels{"app_type": "auth_api", "resource": "oauth/token", "method": "POST", "status": "200"}},
	{"genapp_telegram_flood_wait_sec", promtest.Labels{"method": "editMessageText"}},
	{"go_goroutines", nil}, {"go_memstats_heap_alloc_bytes", nil}, {"process_cpu_seconds_total", nil},
}

// Series of one mode only.
var (
	pollingSeries = []series{botAPI("getUpdates"), botAPI("deleteWebhook")}
	webhookSeries = []series{
		botAPI("setWebhook"),
		{httpCount, promtest.Labels{"app_type": "app_api", "resource": "telegram/webhook", "method": "POST", "status": "200"}},
		{httpCount, promtest.Labels{"app_type": "telegram_api", "resource": "getWebhookInfo", "method": "GET", "status": "200"}},
		{"genapp_telegram_webhook_pending_updates", nil},
		{"genapp_telegram_webhook_last_error_age_sec", nil},
	}
)

// updateSeries are the genapp_telegram_* update families, recorded by the
// adapter of the bot library: tgbotapimetrics for tgbotapi, telebotmetrics and telebotmetrics/v4 for
// telebot.
var updateSeries = []series{
	{"genapp_telegram_updates_total", promtest.Labels{"type": "message"}},
	{"genapp_telegram_updates_total", promtest.Labels{"type": "callback_query"}},
	{"genapp_telegram_update_lag_sec", promtest.Labels{"type": "message"}},
	{"genapp_telegram_handlers_in_flight", nil},
}

// lagTail returns how many messages of project waited more than 10 s.
func lagTail(e *promtest.Exposition, project string) uint64 {
	var total, fast uint64
	for _, m := range e.Find("genapp_telegram_update_lag_sec", promtest.Labels{"app": project, "type": "message"}) {
		h := m.GetHistogram()
		total = h.GetSampleCount()
		for _, b := range h.GetBucket() {
			if b.GetUpperBound() == 10 {
				fast = b.GetCumulativeCount()
			}
		}
	}
	return total - fast
}

// missing returns the series of want that e lacks. genapp_* series must
// carry app=project and env=dev.
func missing(e *promtest.Exposition, project string, want []series) []string {
	var out []string
	for _, s := range want {
		labels := promtest.Labels{}
		for k, v := range s.labels {
			labels[k] = v
		}
		if strings.HasPrefix(s.family, "genapp_") {
			labels["app"], labels["env"] = project, "dev"
		}
		if len(e.Find(s.family, labels)) == 0 {
			out = append(out, s.String())
		}
	}
	return out
}

// waitSeries scrapes url until it shows every series of want, at most
// timeout, and returns the last page.
func waitSeries(t *testing.T, url, project string, want []series, timeout time.Duration) *promtest.Exposition {
	t.Helper()
	for deadline := time.Now().Add(timeout); ; time.Sleep(100 * time.Millisecond) {
		e := promtest.ScrapeURL(t, url)
		m := missing(e, project, want)
		if len(m) == 0 {
			return e
		}
		if time.Now().After(deadline) {
			t.Fatalf("after %v, %s lacks:\n%s", timeout, url, strings.Join(m, "\n"))
		}
	}
}

// actionNames returns the names of project's actions on the page.
func actionNames(e *promtest.Exposition, project string) []string {
	var names []string
	for _, m := range e.Find(actionCount, promtest.Labels{"app": project}) {
		for _, l := range m.GetLabel() {
			if l.GetName() == "name" && !slices.Contains(names, l.GetValue()) {
				names = append(names, l.GetValue())
			}
		}
	}
	slices.Sort(names)
	return names
}

// TestOffline runs the offline demo in every mode with both libraries, and
// checks that its page shows, within seconds, every series the issue lists
// (handlers with both outcomes, the task, each Bot API method, the auth
// service, the runtime), that only route names become action names, that
// no token leaks, and that it stops cleanly within 5 s.
func TestOffline(t *testing.T) {
	t.Parallel()
	inProcess.Lock()
	defer inProcess.Unlock()
	for _, framework := range frameworks {
		for _, mode := range modes {
			t.Run(framework+"/"+mode, func(t *testing.T) {
				project := "demobot_" + framework + "_" + mode
				r := startRun(t, nil, "-framework", framework, "-mode", mode, "-project", project,
					"-metrics-addr", "127.0.0.1:0", "-webhook-listen", "127.0.0.1:0")
				want := append(slices.Clone(offlineSeries), pollingSeries...)
				other := webhookSeries
				if mode == modeWebhook {
					want = append(slices.Clone(offlineSeries), webhookSeries...)
					other = pollingSeries
				}
				want = append(want, updateSeries...)
				// The first 429 comes 4 s in, and is seen on the next edit a
				// simulated user makes: slow on a loaded 2-core machine.
				e := waitSeries(t, r.metricsURL, project, want, 45*time.Second)
				// The simulated backlog: a message late by 15 s or more every 3 s.
				for deadline := time.Now().Add(8 * time.Second); lagTail(e, project) == 0; time.Sleep(100 * time.Millisecond) {
					if time.Now().After(deadline) {
						t.Fatal("after 8 s, no message waited more than 10 s")
					}
					e = promtest.ScrapeURL(t, r.metricsURL)
				}

				if got := missing(e, project, other[:1]); len(got) == 0 {
					t.Errorf("%s mode called %v", mode, other[0])
				}
				for _, name := range actionNames(e, project) {
					if name != cleanupTask && !slices.Contains(handlerNames, name) && !slices.Contains(defaultHandlerNames, name) {
						t.Errorf("action name %q is not one of the routes'", name)
					}
				}
				if count, sum := e.Histogram(t, "genapp_action_duration_sec", promtest.Labels{"app": project, "name": "slow_handler"}); sum < 0.2*float64(count) {
					t.Errorf("slow_handler: %d runs in %.3fs, want at least 0.2 s each", count, sum)
				}

				code, took := r.stop(t)
				t.Logf("page complete, stopped in %v", took)
				if code != 0 || took > 5*time.Second {
					t.Errorf("stopped with status %d after %v, want 0 within 5 s; stderr:\n%s", code, took, r.stderr)
				}
				out := r.stdout.String()
				if !strings.Contains(out, "demobot: "+framework+" bot, "+mode+" mode, offline") || !strings.HasSuffix(out, "demobot: stopped\n") {
					t.Errorf("stdout:\n%s", out)
				}
				noToken(t, "stdout", out, "")
				noToken(t, "stderr", r.stderr.String(), "")
				noToken(t, "the metrics page", e.Text, "")
			})
		}
	}
}

// TestWithToken runs the demo as with a real bot token, against a fake Bot
// API the test controls (-api-url), as a user of each library in each mode:
// the handlers answer, a Bot API failure is an error of the handler, and the
// token shows up nowhere, not even when the webhook URL holds it.
func TestWithToken(t *testing.T) {
	t.Parallel()
	inProcess.Lock()
	defer inProcess.Unlock()
	for _, framework := range frameworks {
		for _, mode := range modes {
			t.Run(framework+"/"+mode, func(t *testing.T) {
				srv := telegramtest.NewServer()
				defer srv.Close()
				project := "demobot_token_" + framework + "_" + mode
				args := []string{"-framework", framework, "-mode", mode, "-project", project, "-api-url", srv.URL, "-metrics-addr", "127.0.0.1:0"}
				deliver := func() {}
				if mode == modeWebhook {
					// A URL with the token in its path, as many bots use.
					addr := proctest.FreeAddr(t)
					args = append(args, "-webhook-listen", addr, "-webhook-url", "http://"+addr+"/bot"+srv.Token+"/updates")
					deliver = func() {
						if err := srv.Deliver(t.Context()); err != nil {
							t.Fatal(err)
						}
					}
				}
				r := startRun(t, map[string]string{"TELEGRAM_BOT_TOKEN": srv.Token}, args...)
				if mode == modeWebhook {
					waitMatch(t, r.stdout.String, webhookLine, 5*time.Second)
					for deadline := time.Now().Add(5 * time.Second); srv.WebhookURL() == ""; time.Sleep(10 * time.Millisecond) {
						if time.Now().After(deadline) {
							t.Fatal("no webhook set within 5 s")
						}
					}
				}
				ctx, cancel := context.WithTimeout(t.Context(), 5*time.Second)
				defer cancel()

				srv.SendText(42, "/start")
				deliver()
				sent, err := srv.WaitSent(ctx, 1)
				if err != nil {
					t.Fatal(err)
				}
				buttons := sent[0].CallbackData()
				if len(buttons) == 0 {
					t.Fatalf("message %q has no inline button: %q", sent[0].Text, sent[0].ReplyMarkup)
				}
				srv.PressButton(42, buttons[0])
				deliver()
				if _, err := srv.WaitSent(ctx, 2); err != nil { // the edit
					t.Fatal(err)
				}
				srv.Inject("sendMessage", telegramtest.Fault{Status: 502})
				srv.SendText(42, "/menu")
				deliver()

				e := waitSeries(t, r.metricsURL, project, []series{
					action("start_handler", "ok"), action("menu_callback_handler", "ok"), action("menu_handler", "error"),
					{httpCount, promtest.Labels{"app_type": "telegram_api", "resource": "sendMessage", "status": "502"}},
				}, 45*time.Second) // as TestOffline: a full -race run on a busy machine can take long to record them
				if mode == modeWebhook {
					if m := missing(e, project, []series{{httpCount, promtest.Labels{"app_type": "app_api", "resource": "telegram/webhook", "status": "200"}}}); m != nil {
						t.Errorf("webhook requests not recorded under the fixed resource: %v", m)
					}
					if out := r.stdout.String() + e.Text; strings.Contains(out, "/updates") {
						t.Errorf("the webhook path of -webhook-url was printed or recorded:\n%s", out)
					}
				}
				if len(srv.Answered()) != 1 {
					t.Errorf("answered callbacks %v, want 1", srv.Answered())
				}
				if !strings.Contains(r.stdout.String(), "talking to the Bot API at "+srv.URL) {
					t.Errorf("stdout does not say which Bot API it talks to:\n%s", r.stdout)
				}
				if code, took := r.stop(t); code != 0 || took > 5*time.Second {
					t.Errorf("stopped with status %d after %v, want 0 within 5 s", code, took)
				}
				// telego's HTTP caller gives a 5xx by its status alone.
				if !strings.Contains(r.stderr.String(), "Bad Gateway") && !strings.Contains(r.stderr.String(), "internal server error: 502") {
					t.Errorf("the failed sendMessage is not logged; stderr:\n%s", r.stderr)
				}
				noToken(t, "stdout", r.stdout.String(), srv.Token)
				noToken(t, "stderr", r.stderr.String(), srv.Token)
				noToken(t, "the metrics page", e.Text, srv.Token)
			})
		}
	}
}

// TestStartFailures: when the bot cannot start, the demo says why, without
// the token, exits with status 1 at once, and leaves nothing running.
func TestStartFailures(t *testing.T) {
	t.Parallel()
	inProcess.Lock()
	defer inProcess.Unlock()
	held, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer held.Close()

	for _, tc := range []struct {
		name  string
		fault func(srv *telegramtest.Server)
		args  []string
		want  string
	}{
		{"Bot API down", func(srv *telegramtest.Server) { srv.Close() }, nil, "getMe"},
		{"setWebhook refused", func(srv *telegramtest.Server) { srv.Inject("setWebhook", telegramtest.Fault{Status: 500}) },
			[]string{"-mode", "webhook", "-webhook-url", "https://bot.example/hook", "-webhook-listen", "127.0.0.1:0"}, "setWebhook"},
		{"metrics address taken", func(*telegramtest.Server) {}, []string{"-metrics-addr", held.Addr().String()}, "address already in use (choose another address with -metrics-addr"},
		{"getUpdates conflict", func(srv *telegramtest.Server) {
			srv.Inject("getUpdates", telegramtest.Fault{Status: 409, Times: -1, Description: "Conflict: terminated by other getUpdates request"})
		}, nil, "polling stopped: a webhook is set (call deleteWebhook) or another instance of the bot polls"},
		{"token revoked", func(srv *telegramtest.Server) {
			srv.Inject("getUpdates", telegramtest.Fault{Status: 401, Times: -1, Description: "Unauthorized"})
		}, nil, "polling stopped: the Bot API does not accept the token"},
	} {
		for _, framework := range frameworks {
			t.Run(tc.name+"/"+framework, func(t *testing.T) {
				srv := telegramtest.NewServer()
				defer srv.Close()
				tc.fault(srv)
				var stdout, stderr logtest.Buffer
				args := append([]string{"-framework", framework, "-token", srv.Token, "-api-url", srv.URL, "-metrics-addr", "127.0.0.1:0"}, tc.args...)
				ctx, cancel := context.WithCancel(context.Background())
				defer cancel()
				done := make(chan int, 1)
				go func() { done <- run(ctx, args, envOf(nil), &stdout, &stderr) }()
				select {
				case code := <-done:
					if code != 1 {
						t.Errorf("exit status %d, want 1", code)
					}
				case <-time.After(2 * time.Second):
					cancel()
					<-done
					t.Fatalf("still running 2 s after the failure; stderr:\n%s", stderr.String())
				}
				if !strings.Contains(stderr.String(), tc.want) {
					t.Errorf("stderr lacks %q:\n%s", tc.want, stderr.String())
				}
				if m := metricsLine.FindStringSubmatch(stdout.String()); m != nil {
					if resp, err := http.Get(m[1]); err == nil {
						resp.Body.Close()
						t.Errorf("the metrics server still answers after run returned")
					}
				}
				noToken(t, "stdout", stdout.String(), srv.Token)
				noToken(t, "stderr", stderr.String(), srv.Token)
			})
		}
	}
}

// TestMalformedAnswerAtStartup: a 429 whose retry_after is a string makes
// telebot v3.3.8 panic in getMe; the demo says so and exits 1, and does
// not crash.
func TestMalformedAnswerAtStartup(t *testing.T) {
	t.Parallel()
	inProcess.Lock()
	defer inProcess.Unlock()
	const token = "7012345678:AAHfakeTokenForTests_0123456789-abcd"
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.WriteHeader(http.StatusTooManyRequests)
		io.WriteString(w, `{"ok":false,"error_code":429,"description":"Too Many Requests: retry after 5","parameters":{"retry_after":"5"}}`)
	}))
	defer srv.Close()
	for framework, want := range map[string]string{
		frameworkTelebot:    "the bot library panicked: interface conversion",
		frameworkTgbotapi:   "cannot unmarshal string",
		frameworkGotgbot:    "failed to decode POST request to getMe",
		frameworkTelebot4:   "the bot library panicked: interface conversion",
		frameworkGotelegram: "cannot unmarshal string",
		frameworkTelego:     "cannot unmarshal string",
	} {
		var stdout, stderr logtest.Buffer
		code := run(t.Context(), []string{"-framework", framework, "-token", token, "-api-url", srv.URL, "-metrics-addr", "127.0.0.1:0"}, envOf(nil), &stdout, &stderr)
		if code != 1 || !strings.Contains(stderr.String(), want) {
			t.Errorf("%s: exit status %d, stderr:\n%s\nwant 1 and %q", framework, code, stderr.String(), want)
		}
		noToken(t, "stderr", stderr.String(), token)
	}
}
