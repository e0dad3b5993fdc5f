// Package httpclient instruments outbound HTTP with the genapp_http_* families
// of package metrics: the Go counterpart of llm_common's LLMHttpClient,
// AuthHttpClient and Telegram transport.
//
// [NewTransport] wraps any [http.RoundTripper]; [New] and the presets
// [NewLLM], [NewAuth] and [NewTelegram] return a ready [*http.Client] to hand
// to an SDK or a bot library:
//
//	client := httpclient.NewLLM(httpclient.WithTimeout(2 * time.Minute))
//
// Every exchange is recorded exactly once, with
//
//   - status: the response code, or "0" when no response arrived (connection
//     refused, timeout, cancelled context, TLS failure);
//   - duration: from the call until the response body reaches EOF, fails or
//     is closed, whichever comes first, so a streamed LLM answer gets its real
//     duration; until the error when there is no response;
//   - size "in": the request body bytes the transport read and sent, with or
//     without Content-Length;
//   - size "out": the response body bytes the caller read;
//   - resource: [metrics.CleanResource] of the URL path by default, the Bot API
//     method name for [NewTelegram].
//
// As with net/http itself, the caller must read the body to EOF or close it:
// an exchange whose body is neither is never recorded. Responses without a
// body (HEAD, 204, 304, an empty body, http.NoBody) and 101 Switching
// Protocols are recorded when the response is returned. A redirect followed
// by http.Client is one exchange per hop, each with its own status. A context
// cancelled (or a client timeout hit) while the body streams ends the
// exchange at the failing Read: the headers arrived, so it keeps the real
// status, with the bytes read until then.
//
// [NewLLM] also records the model and token usage its answers report in the
// genapp_llm_* families of package metrics. [WithReader] plugs in a [Reader]
// of your own, which sees each exchange as it passes, as those do.
//
// The bot token of [NewTelegram] appears in no label, in no error the
// client returns and in no header or body the Bot API sends back, and goes
// to no host a redirect names: see [TokenPlaceholder] and [NewTelegram].
//
// The instance recorded into is [metrics.Default], looked up per request, so
// a client built before [metrics.Init] records once Init has run; until then
// the client records nothing (the token mask of [NewTelegram] still runs).
// [WithMetrics] fixes the instance instead.
package httpclient
