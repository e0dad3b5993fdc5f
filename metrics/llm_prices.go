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
)

// LLMPrices is a table of the prices of LLM tokens in dollars, by model:
// what [Metrics.RecordLLMUsage] computes genapp_llm_cost_usd_total with.
// [New] uses the table embedded in this package unless given another with
// [WithLLMPrices]; genapp_llm_price_table_info names the one in use.
//
// A model name is looked up as it is; then without a trailing date
// snapshot (-2025-08-07, -20250929, or Vertex AI's @20250929); then
// without a provider prefix, everything up to the last "/"; then without
// both. A table key with a provider prefix also prices its name without
// it, when no key has that name and all keys that share it give the same
// prices. So, with the embedded table:
//
//	gpt-4o-2024-08-06                 gpt-4o
//	claude-sonnet-4-5-20250929        claude-sonnet-4-5
//	claude-sonnet-4-5@20250929        claude-sonnet-4-5 (Vertex AI's name)
//	anthropic/claude-sonnet-4-5       claude-sonnet-4-5
//	openrouter/openai/gpt-4o          gpt-4o
//	accounts/fireworks/models/llama4-maverick-instruct-basic
//	                                  fireworks_ai/accounts/fireworks/models/llama4-maverick-instruct-basic
//
// while a snapshot the table has a price of its own for, such as
// gpt-4o-2024-05-13, gets that price. Matching is case-sensitive, as the
// providers' model IDs are: GPT-4o is not gpt-4o.
//
// An LLMPrices is safe for concurrent use and never changes.
type LLMPrices struct {
	source, updated string               // the labels of genapp_llm_price_table_info
	models          map[string]*llmPrice // by table key, and by the names keys with a prefix also price
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
// is not a JSON object of objects, has a price that is not a finite number
// at least 0, or prices no model.
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
	models, err := parseLLMPrices(data)
	if err != nil {
		return nil, fmt.Errorf("metrics: LoadLLMPrices: %s: %w", path, err)
	}
	return &LLMPrices{
		source:  labelValue(info.Name()),
		updated: info.ModTime().UTC().Format(time.DateOnly),
		models:  models,
	}, nil
}

// parseLLMPrices returns the prices of a table in LiteLLM's format by the
// names they match.
func parseLLMPrices(data []byte) (map[string]*llmPrice, error) {
	var entries map[string]json.RawMessage
	if err := json.Unmarshal(data, &entries); err != nil || entries == nil {
		return nil, fmt.Errorf("not a JSON object keyed by model name, the format of LiteLLM's model_prices_and_context_window.json: %v", err)
	}
	models := make(map[string]*llmPrice, len(entries))
	for _, name := range slices.Sorted(maps.Keys(entries)) { // the first error in key order, every time
		if name == "sample_spec" || name == llmTableEntry {
			continue
		}
		var fields map[string]json.RawMessage
		if err := json.Unmarshal(entries[name], &fields); err != nil || fields == nil {
			return nil, fmt.Errorf("model %q is %.40s, not a JSON object of prices and properties", name, entries[name])
		}
		var p llmPrice
		for i, field := range priceFields {
			v, ok := fields[field]
			if !ok || string(v) == "null" {
				continue
			}
			var price float64
			if err := json.Unmarshal(v, &price); err != nil || price < 0 {
				return nil, fmt.Errorf("model %q: %s is %.40s: a price must be a finite number at least 0, in dollars per token", name, field, v)
			}
			p.perMillion[i], p.priced[i] = perMillion(price), true
		}
		if p.priced[tokenInput] || p.priced[tokenOutput] {
			p.priced[tokenInput], p.priced[tokenOutput] = true, true
			models[name] = &p
		}
	}
	if len(models) == 0 {
		return nil, errors.New("no priced model: an entry needs input_cost_per_token or output_cost_per_token")
	}
	addUnprefixed(models)
	return models, nil
}

// addUnprefixed adds the name without its provider prefix of each key that
// has one, when no key has that name and every key that shares it gives
// the same prices: gemini/gemini-2.5-flash prices gemini-2.5-flash.
func addUnprefixed(models map[string]*llmPrice) {
	names := map[string]*llmPrice{}
	for key, p := range models {
		name := unprefixed(key)
		if name == key || name == "" || models[name] != nil {
			continue
		}
		if q, ok := names[name]; ok && (q == nil || *q != *p) {
			names[name] = nil // ambiguous
			continue
		}
		names[name] = p
	}
	for name, p := range names {
		if p != nil {
			models[name] = p
		}
	}
}

// lookup returns the price of model, nil when t is nil or has none (see
// LLMPrices for the matching).
func (t *LLMPrices) lookup(model string) *llmPrice {
	if t == nil {
		return nil
	}
	base := unprefixed(model)
	for _, name := range [...]string{model, undated(model), base, undated(base)} {
		if p := t.models[name]; p != nil {
			return p
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
func (t *LLMPrices) Cost(model string, u LLMUsage) (dollars float64, ok bool) {
	p := t.lookup(model)
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
	models, err := parseLLMPrices(embeddedLLMPricesJSON)
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
	return &LLMPrices{source: "embedded", updated: table.Meta.Updated, models: models}, nil
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
