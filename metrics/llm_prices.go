package metrics

import (
	_ "embed"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"maps"
	"os"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"
	"unicode/utf8"
)

// LLMPrices is a table of the prices of LLM tokens in dollars, by model:
// what [Metrics.RecordLLMUsage] computes genapp_llm_cost_usd_total with.
// [New] uses the table embedded in this package unless given another with
// [WithLLMPrices]; genapp_llm_price_table_info names the one in use.
//
// A model name is looked up as it is; then without a trailing date
// snapshot (-2025-08-07, -20250929, or Vertex AI's @20250929); then
// without a provider prefix, everything up to the last "/"; then without
// both. A table key, the name as the table writes it, prices calls of
// that name from any provider. So, with the embedded table:
//
//	gpt-4o-2024-08-06                 gpt-4o
//	claude-sonnet-4-5-20250929        claude-sonnet-4-5
//	claude-sonnet-4-5@20250929        claude-sonnet-4-5 (Vertex AI's name)
//	anthropic/claude-sonnet-4-5       claude-sonnet-4-5
//	openrouter/openai/gpt-4o          gpt-4o
//	groq/openai/gpt-oss-120b          groq/openai/gpt-oss-120b (a key)
//
// while a snapshot the table has a price of its own for, such as
// gpt-4o-2024-05-13, gets that price. Matching is case-sensitive, as the
// providers' model IDs are: GPT-4o is not gpt-4o.
//
// A table key with a provider prefix (LiteLLM's: gemini/, xai/, groq/...)
// also prices its name after the last "/", when no key has that name and
// the keys that share it give the same prices; for which calls depends on
// the prefix, the first part of the key:
//
//   - A host of open-weight models, which anyone can serve too, prices its
//     names for its own calls only, those whose provider_name names it:
//     groq/ (provider_name groq), together_ai/ (together), fireworks_ai/
//     (fireworks), and, as LiteLLM names them, deepinfra/, cerebras/,
//     sambanova/, nebius/, novita/, nscale/, hyperbolic/, lambda_ai/,
//     featherless_ai/, friendliai/, replicate/, cloudflare/, nvidia_nim/,
//     huggingface/, ovhcloud/, watsonx/, anyscale/ (provider_name the
//     prefix), and the servers people run themselves: hosted_vllm/ and
//     vllm/ (vllm), ollama/ and ollama_chat/ (ollama), llamafile/,
//     lm_studio/ and xinference/. Otherwise a vLLM or llama.cpp serving
//     openai/gpt-oss-120b on one's own machines would be billed at Groq's
//     rate: dollars never spent.
//   - Any other prefix, a model's own maker (gemini/, vertex_ai/,
//     anthropic/, openai/, xai/, deepseek/, mistral/, azure/...) or a router
//     that resells models at their maker's price (openrouter/), prices its
//     names for calls from any provider: a gateway calling gemini-2.5-flash
//     pays Google's price.
//
// For a call from a host, the host's names come before those of any
// provider: its price is what it bills. [LLMPrices.Cost], which has no
// provider, prices a name only hosts price as a call from the host would
// be. So, with the embedded table:
//
//	model                             provider_name  priced as
//	gemini-2.5-flash                  gemini, any    gemini/gemini-2.5-flash
//	openai/gpt-oss-120b               groq           groq/openai/gpt-oss-120b
//	openai/gpt-oss-120b               vllm, others   not priced
//	meta-llama/Llama-3.3-70B-Instruct-Turbo
//	                                  together       together_ai/meta-llama/Llama-3.3-70B-Instruct-Turbo
//	accounts/fireworks/models/llama4-maverick-instruct-basic
//	                                  fireworks      fireworks_ai/accounts/fireworks/models/llama4-maverick-instruct-basic
//
// An LLMPrices is safe for concurrent use and never changes.
type LLMPrices struct {
	source, updated string // the labels of genapp_llm_price_table_info

	keys    map[string]*llmPrice            // by table key: for any provider
	aliases map[string]*llmPrice            // names of keys of other prefixes than hosts': for any provider
	hosted  map[string]map[string]*llmPrice // by provider_name: the names of the keys of that host
	anyHost map[string]*llmPrice            // the names of every host's keys, those hosts disagree on left out: for Cost
}

// llmHosts are the provider_name, by LiteLLM's provider prefix, of the
// hosts of open-weight models, whose keys price their names without the
// prefix for their own calls only (see [LLMPrices]). Groq, Together and
// Fireworks have the names httpclient gives them; the others that LiteLLM
// gives them, but for the servers one runs oneself, named as httpclient's
// users name them with WithLLMProvider.
var llmHosts = map[string]string{
	"groq":           "groq",
	"together_ai":    "together",
	"fireworks_ai":   "fireworks",
	"deepinfra":      "deepinfra",
	"cerebras":       "cerebras",
	"sambanova":      "sambanova",
	"nebius":         "nebius",
	"novita":         "novita",
	"nscale":         "nscale",
	"hyperbolic":     "hyperbolic",
	"lambda_ai":      "lambda_ai",
	"featherless_ai": "featherless_ai",
	"friendliai":     "friendliai",
	"replicate":      "replicate",
	"cloudflare":     "cloudflare",
	"nvidia_nim":     "nvidia_nim",
	"huggingface":    "huggingface",
	"ovhcloud":       "ovhcloud",
	"watsonx":        "watsonx",
	"anyscale":       "anyscale",
	"hosted_vllm":    "vllm",
	"vllm":           "vllm",
	"ollama":         "ollama",
	"ollama_chat":    "ollama",
	"llamafile":      "llamafile",
	"lm_studio":      "lm_studio",
	"xinference":     "xinference",
}

// llmPrice is the price of one model by token type. Input and output are
// always priced; an optional part (cached input, cache creation,
// reasoning) the table gives no price for is priced with its whole.
//
// Prices are kept per million tokens, as providers publish them, and a
// cost computed as tokens × price per million / 1e6: 800 tokens at
// 7.5e-08 a token then cost 6e-05 dollars, not 5.9999999999999995e-05.
type llmPrice struct {
	perMillion [tokenTypes]float64 // dollars
	priced     [tokenTypes]bool
}

// perMillion is the price of a million tokens at price a token, with the
// error of the multiplication rounded away (2.5e-07 × 1e6 is 0.25).
func perMillion(price float64) float64 {
	v, _ := strconv.ParseFloat(strconv.FormatFloat(price*1e6, 'g', 15, 64), 64)
	return v
}

// priceFields are the members of a LiteLLM entry that give the price of
// each token type, in dollars per token.
//
// cache_creation_input_token_cost is the price of a write to the prompt
// cache that lasts 5 minutes (1.25 times the input price at Anthropic).
// Anthropic bills a write that lasts an hour at 2 times the input price
// (cache_creation_input_token_cost_above_1hr), but the transport reports
// one count of cache_creation_input, both kinds together: those of an hour
// are priced at the 5-minute rate, up to 37.5% below what they cost.
var priceFields = [tokenTypes]string{
	tokenInput:              "input_cost_per_token",
	tokenOutput:             "output_cost_per_token",
	tokenCachedInput:        "cache_read_input_token_cost",
	tokenReasoning:          "output_cost_per_reasoning_token",
	tokenCacheCreationInput: "cache_creation_input_token_cost",
}

// maxLLMPricesSize bounds the file LoadLLMPrices reads: LiteLLM's whole
// table, of every provider, is about 1.5 MB.
const maxLLMPricesSize = 64 << 20

// maxLLMPrice bounds the price of a token, in dollars: the dearest model
// today costs about $0.00015 an output token, so a dollar a token is a
// typo (a price per million tokens, or per thousand, in dollars per
// token) or an attack. With it, and counts of at most MaxLLMTokens, a
// call costs less than $1e9 and the cost counters stay finite (a price of
// 1e305 makes a cost of +Inf, and the counter +Inf for good).
const maxLLMPrice = 1.0

// maxQuotedName is how many bytes of a model name an error quotes: a
// table can have a key of megabytes.
const maxQuotedName = 64

// quoteName is name quoted for an error, cut to maxQuotedName bytes (at a
// character boundary) and ended with "…" when longer.
func quoteName(name string) string {
	if len(name) <= maxQuotedName {
		return strconv.Quote(name)
	}
	n := maxQuotedName
	for n > 0 && !utf8.RuneStart(name[n]) {
		n--
	}
	return strconv.Quote(name[:n] + "…")
}

// llmTableEntry is the member of the embedded table that dates it. Like
// LiteLLM's sample_spec, it is not a model.
const llmTableEntry = "genapp_table"

// LoadLLMPrices reads a price table in the format of LiteLLM's
// model_prices_and_context_window.json: a JSON object keyed by model name
// (see [LLMPrices] for how names are matched), each model an object whose
// members input_cost_per_token, output_cost_per_token,
// cache_read_input_token_cost, cache_creation_input_token_cost and
// output_cost_per_reasoning_token give the dollars per token of each
// token type. Every other member is ignored (tiered prices, prices per
// second or image, max_tokens, mode...), and so are the entries
// sample_spec, LiteLLM's documentation of the format, and those with
// neither an input nor an output price. An entry with only one of the two
// bills the other side at 0; a null price is no price.
//
// The table's genapp_llm_price_table_info says source=<the file's base
// name> and updated=<its modification date, UTC, as YYYY-MM-DD>.
//
// It returns an error, and no table, for a file of more than 64 MiB, that
// is not a JSON object of objects, has a model named "", has a price that
// is not a number from 0 to 1 dollar a token (no model costs near as much:
// a larger price is a typo), or prices no model. An error quotes at most
// the first 64 bytes of a model name.
func LoadLLMPrices(path string) (*LLMPrices, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("metrics: LoadLLMPrices: %w", err)
	}
	defer f.Close()
	info, err := f.Stat()
	if err != nil {
		return nil, fmt.Errorf("metrics: LoadLLMPrices: %w", err)
	}
	data, err := io.ReadAll(io.LimitReader(f, maxLLMPricesSize+1))
	if err != nil {
		return nil, fmt.Errorf("metrics: LoadLLMPrices: %w", err)
	}
	if len(data) > maxLLMPricesSize {
		return nil, fmt.Errorf("metrics: LoadLLMPrices: %s is larger than %d MiB, the most a price table may be (LiteLLM's whole table is about 1.5 MB)", path, maxLLMPricesSize>>20)
	}
	t, err := parseLLMPrices(data)
	if err != nil {
		return nil, fmt.Errorf("metrics: LoadLLMPrices: %s: %w", path, err)
	}
	t.source, t.updated = labelValue(info.Name()), info.ModTime().UTC().Format(time.DateOnly)
	return t, nil
}

// parseLLMPrices returns the table of data, in LiteLLM's format, without
// its source and date.
func parseLLMPrices(data []byte) (*LLMPrices, error) {
	var entries map[string]json.RawMessage
	err := json.Unmarshal(data, &entries)
	if err == nil && entries == nil {
		err = errors.New("null")
	}
	if err != nil {
		return nil, fmt.Errorf("not a JSON object keyed by model name, the format of LiteLLM's model_prices_and_context_window.json: %v", err)
	}
	keys := make(map[string]*llmPrice, len(entries))
	for _, name := range slices.Sorted(maps.Keys(entries)) { // the first error in key order, every time
		if name == "sample_spec" || name == llmTableEntry {
			continue
		}
		if name == "" {
			return nil, errors.New(`model "": a model name must not be empty (it would price the calls that name no model)`)
		}
		var fields map[string]json.RawMessage
		if err := json.Unmarshal(entries[name], &fields); err != nil || fields == nil {
			return nil, fmt.Errorf("model %s is %.40s, not a JSON object of prices and properties", quoteName(name), entries[name])
		}
		var p llmPrice
		for i, field := range priceFields {
			v, ok := fields[field]
			if !ok || string(v) == "null" {
				continue
			}
			var price float64
			if err := json.Unmarshal(v, &price); err != nil || price < 0 {
				return nil, fmt.Errorf("model %s: %s is %.40s: a price must be a finite number at least 0, in dollars per token", quoteName(name), field, v)
			}
			if price > maxLLMPrice {
				return nil, fmt.Errorf("model %s: %s is %.40s: a price must be at most %g dollar per token (the dearest model costs about 0.00015): is it a price per million tokens?", quoteName(name), field, v, maxLLMPrice)
			}
			p.perMillion[i], p.priced[i] = perMillion(price), true
		}
		if p.priced[tokenInput] || p.priced[tokenOutput] {
			p.priced[tokenInput], p.priced[tokenOutput] = true, true
			keys[name] = &p
		}
	}
	if len(keys) == 0 {
		return nil, errors.New("no priced model: an entry needs input_cost_per_token or output_cost_per_token")
	}
	return newLLMPrices(keys), nil
}

// newLLMPrices returns the table of keys, with the names that the keys
// with a provider prefix price without it (see LLMPrices): gemini/
// gemini-2.5-flash prices gemini-2.5-flash for any provider, groq/openai/
// gpt-oss-120b prices gpt-oss-120b for groq. A name is left out when a key
// has it, or when two keys in its scope (any provider, one host, or, for
// Cost, all hosts) give it different prices.
func newLLMPrices(keys map[string]*llmPrice) *LLMPrices {
	t := &LLMPrices{keys: keys, aliases: map[string]*llmPrice{}, hosted: map[string]map[string]*llmPrice{}, anyHost: map[string]*llmPrice{}}
	for key, p := range keys {
		name := unprefixed(key)
		if name == key || name == "" || keys[name] != nil {
			continue
		}
		provider, isHost := llmHosts[key[:strings.IndexByte(key, '/')]]
		if !isHost {
			addAlias(t.aliases, name, p)
			continue
		}
		if t.hosted[provider] == nil {
			t.hosted[provider] = map[string]*llmPrice{}
		}
		addAlias(t.hosted[provider], name, p)
		addAlias(t.anyHost, name, p)
	}
	for _, names := range append([]map[string]*llmPrice{t.aliases, t.anyHost}, slices.Collect(maps.Values(t.hosted))...) {
		maps.DeleteFunc(names, func(_ string, p *llmPrice) bool { return p == nil })
	}
	return t
}

// addAlias makes name price p in names, or nil (ambiguous) when it prices
// another price already.
func addAlias(names map[string]*llmPrice, name string, p *llmPrice) {
	if q, ok := names[name]; ok && (q == nil || *q != *p) {
		names[name] = nil
		return
	}
	names[name] = p
}

// lookup returns the price of model in a call from provider, nil when t is
// nil or has none (see LLMPrices for the matching).
func (t *LLMPrices) lookup(provider, model string) *llmPrice {
	if t == nil {
		return nil
	}
	return t.find(model, t.hosted[provider])
}

// find returns the price of model, from t's keys, then the names of
// hosted, then the names of the keys of any provider, for each name model
// is looked up as in turn; nil when none prices it.
func (t *LLMPrices) find(model string, hosted map[string]*llmPrice) *llmPrice {
	base := unprefixed(model)
	for _, name := range [...]string{model, undated(model), base, undated(base)} {
		if name == "" {
			continue
		}
		for _, names := range [...]map[string]*llmPrice{t.keys, hosted, t.aliases} {
			if p := names[name]; p != nil {
				return p
			}
		}
	}
	return nil
}

// unprefixed is model without everything up to its last "/".
func unprefixed(model string) string { return model[strings.LastIndexByte(model, '/')+1:] }

// undated is model without a trailing date snapshot: -2025-08-07,
// -20250929 or @20250929. A model that is only a date is left as it is.
func undated(model string) string {
	for _, pattern := range [...]string{"-dddd-dd-dd", "-dddddddd", "@dddddddd"} {
		n := len(model) - len(pattern)
		if n > 0 && matchesDigits(model[n:], pattern) {
			return model[:n]
		}
	}
	return model
}

// matchesDigits reports whether s is pattern with each 'd' a digit.
func matchesDigits(s, pattern string) bool {
	for i := range len(pattern) {
		if pattern[i] == 'd' && (s[i] < '0' || s[i] > '9') || pattern[i] != 'd' && s[i] != pattern[i] {
			return false
		}
	}
	return true
}

// Cost returns the dollars that usage u of model costs: the sum of the
// disjoint parts genapp_llm_cost_usd_total records (see
// [Metrics.RecordLLMUsage]). ok is false, and dollars 0, when the table
// has no price for model or a count of u is below 0 or above
// [MaxLLMTokens].
//
// Cost has no provider: it prices model as a call from the model's own
// provider would be, the one the table prices it for. A name that only
// the keys of hosts of open-weight models price (see [LLMPrices]) is
// priced at the host's price, as a call from that host: openai/gpt-oss-120b
// at Groq's, with the embedded table. Cost then gives a price that
// genapp_llm_cost_usd_total does not record for the same model served by
// another provider, one's own vLLM say; and none when two hosts price the
// name differently.
func (t *LLMPrices) Cost(model string, u LLMUsage) (dollars float64, ok bool) {
	var p *llmPrice
	if t != nil {
		if p = t.find(model, nil); p == nil {
			p = t.find(model, t.anyHost)
		}
	}
	counts, reason := u.counts()
	if p == nil || reason >= 0 {
		return 0, false
	}
	for _, c := range p.costs(counts) {
		dollars += c
	}
	return dollars, true
}

// costs returns the dollars of counts by token type, the types disjoint:
// input without its priced parts (cached input, cache creation), output
// without reasoning when reasoning is priced, each at least 0. A part that
// is not priced costs 0 of its own: it is paid in its whole.
func (p *llmPrice) costs(counts [tokenTypes]int64) (costs [tokenTypes]float64) {
	for _, part := range [...]int{tokenCachedInput, tokenCacheCreationInput} {
		if p.priced[part] {
			counts[tokenInput] -= counts[part]
		}
	}
	if p.priced[tokenReasoning] {
		counts[tokenOutput] -= counts[tokenReasoning]
	}
	for i, n := range counts {
		costs[i] = float64(max(n, 0)) * p.perMillion[i] / 1e6
	}
	return costs
}

//go:embed llmprices.json
var embeddedLLMPricesJSON []byte

// embeddedLLMPrices is the table embedded in this package, parsed on first
// use.
var embeddedLLMPrices = sync.OnceValues(func() (*LLMPrices, error) {
	t, err := parseLLMPrices(embeddedLLMPricesJSON)
	if err != nil {
		return nil, fmt.Errorf("metrics: the embedded price table: %w", err)
	}
	var table struct {
		Meta struct {
			Updated string `json:"updated"`
		} `json:"genapp_table"`
	}
	if err := json.Unmarshal(embeddedLLMPricesJSON, &table); err != nil {
		return nil, fmt.Errorf("metrics: the embedded price table: %w", err)
	}
	if _, err := time.Parse(time.DateOnly, table.Meta.Updated); err != nil {
		return nil, fmt.Errorf("metrics: the embedded price table: %s.updated: %w", llmTableEntry, err)
	}
	t.source, t.updated = "embedded", table.Meta.Updated
	return t, nil
})

// WithLLMPrices makes [Metrics.RecordLLMUsage] price tokens with p, a
// table from [LoadLLMPrices], instead of the table embedded in this
// package, whose date genapp_llm_price_table_info shows. p must not be nil.
//
// Every instance on one registry must use the same table: [New] fails on a
// registry that holds the families made with another.
func WithLLMPrices(p *LLMPrices) Option {
	return func(c *config) {
		if p == nil {
			c.errs = append(c.errs, errors.New("metrics: WithLLMPrices(nil): give a table from LoadLLMPrices, or leave the option out to use the embedded table"))
			return
		}
		c.prices = p
	}
}

// LLMPrices returns the price table m prices tokens with: that of
// [WithLLMPrices], else the embedded one. It is nil on a nil m.
func (m *Metrics) LLMPrices() *LLMPrices {
	if m == nil {
		return nil
	}
	return m.f.llm.prices
}
