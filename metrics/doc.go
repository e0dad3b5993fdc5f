// Package metrics is the Go port of the Python package llm_common.prometheus.
//
// It exports the genapp_* metric families that existing Grafana dashboards
// and alerts are built on, with the names, help strings, label names and
// buckets of llm_common:
//
//	genapp_http_requests_total        counter   method, status, resource, app_type, env, app
//	genapp_http_request_duration_sec  histogram method, status, resource, app_type, env, app
//	genapp_http_request_size_bytes    histogram resource, status, method, direction, app_type, env, app
//	genapp_action_count_total         counter   name, status, error_name, env, app
//	genapp_action_duration_sec        histogram name, env, app
//	genapp_action_size_total          counter   name, env, app
//
// error_name says why an action failed, in a bounded name (see [Action.End]
// and [NamedError]). That is llm_common 2.6, the default; [WithCompatibility]
// with [LLMCommon22] serves llm_common 2.2.0's page byte for byte, without
// error_name and the families 2.6 added.
//
// [Init] builds the families once per process, for a project in an env
// (dev, preprod or prod: a staging or test environment is preprod), and
// makes them the default used by the package-level functions: [Track] and [Wrap] for any code section (the
// analogues of llm_common's action_tracking context manager and decorator),
// [Middleware] for net/http servers, [RecordHTTP] for one HTTP exchange seen by
// other code, [Handler] for the /prometheus endpoint and [Serve] for an
// embedded metrics server.
//
// For LLM calls it exports llm_common 2.6's genapp_llm_* families (requests,
// tokens by type, tokens per request, domain errors) and this module's:
//
//	genapp_llm_time_to_first_token_sec    histogram  the wait for a streamed answer's first output
//	genapp_llm_time_per_output_token_sec  histogram  the speed of a streamed answer after it
//	genapp_llm_cost_usd_total             counter    dollars by token type (see [LLMPrices])
//	genapp_llm_unpriced_tokens_total      counter    tokens of models the price table does not price
//	genapp_llm_price_table_info           gauge      the price table in use and its date
//	genapp_llm_usage_rejected_total       counter    answers whose usage was not recorded, by reason
//	genapp_llm_ratelimit_remaining        gauge      a provider's rate limit left, by model and limit
//	genapp_llm_ratelimit_limit            gauge      that rate limit
//
// The transport of [github.com/genapp-go/genapp/httpclient.NewLLM] fills
// them from the providers' answers; [RecordLLMRequest], [RecordLLMUsage],
// [RecordLLMError], [RecordLLMTimeToFirstToken] and the other RecordLLM
// functions record what no transport sees, with [WithLLMAgent],
// [WithLLMTool] and [WithLLMFallback] carrying labels in the context.
//
// With llm_common 2.6 come the genapp_process_* gauges (memory, threads, CPU,
// page faults, context switches), read from /proc at each scrape, and the
// genapp_sql_pool_* gauges of the pools given to [RegisterDB] (a *sql.DB) or
// [Metrics.RegisterPool] (any other pool; package
// [github.com/genapp-go/genapp/metrics/pgxmetrics] for pgx).
//
// For Telegram bots it exports this module's genapp_telegram_* families:
// updates by Bot API update type, the lag between Telegram's stamp and the
// start of handling, handlers in flight ([Metrics.StartTelegramUpdate], which
// the bot adapters call per update, and [TelegramUpdate.Track] for the
// handler's action on the same clock read), the retry_after of 429 answers by method
// ([Metrics.RecordTelegramFloodWait]) and a webhook's backlog
// ([Metrics.SetTelegramWebhookInfo]).
//
// Two options bring the page up to date without changing what existing
// dashboards read: [WithNativeHistograms] makes every histogram a native
// histogram too, its classic buckets unchanged, and [WithExemplars] links
// each duration observed in the context of an OpenTelemetry span
// ([TrackContext], [Middleware], [RecordHTTPContext] and the transports of
// package httpclient) to that span's trace.
//
// Until Init is called (in unit tests, say) every one of these works and
// records nothing: wrapped code behaves exactly as it would unwrapped.
//
// Whatever clients, upstream servers or callers send, the exposition stays
// bounded: no label value is longer than [MaxLabelLen] bytes and no family
// holds more series than [WithMaxSeries] allows; what does not fit is folded
// into [OverflowValue] and counted. [Middleware] never records the path a
// client sent, and records the request body bytes that arrived, not those a
// header claims.
//
// Options come in one type per function family, so that an option given to
// the wrong function does not compile: [Option] for [New] and [Init],
// [MiddlewareOption] for [Middleware], [ServeOption] for [Serve].
package metrics
