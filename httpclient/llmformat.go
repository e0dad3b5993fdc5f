package httpclient

import (
	"net/http"
	"strings"

	"github.com/genapp-go/genapp/metrics"
)

// An llmFormat is an LLM API's answer format: the places in each JSON
// document of an answer (the body, each event of a stream, each element of
// a top-level array) where the provider puts the usage, the model and a
// stream's output, and how its counts make an [metrics.LLMUsage]. Nothing
// outside these places is read: what a model writes (content, a tool
// call's input, a function call's arguments) is never at one of them,
// whatever its keys and depth.
type llmFormat struct {
	root   *place // a document
	top    place  // a top-level array of documents
	tokens func(c *counts) metrics.LLMUsage
	// usageOnly: an answer without usage is not a generation, whatever it
	// names (Ollama answers a call that only loads a model).
	usageOnly bool
}

func newFormat(root *place, tokens func(c *counts) metrics.LLMUsage) *llmFormat {
	return &llmFormat{root: root, top: place{elem: root}, tokens: tokens}
}

// A place is a node of the tree of a format's places: a value at a path
// from the root of a document, and the places below it.
type place struct {
	keys  []keyedPlace // the members of an object that are places
	elem  *place       // the elements of an array, nil if none is a place
	role  role
	count int  // the index in counts of a roleCount place
	check bool // a count that only checks the others: a bad one is skipped, not a reason to reject
}

type keyedPlace struct {
	key string
	p   *place
}

type role uint8

const (
	roleNone   role = iota // a way to places below it
	roleUsage              // a usage object: its counts are read as a whole
	roleCount              // a count of a usage object
	roleModel              // the name of the model that answered
	roleOutput             // output of a stream: its key marks the first token
)

// child returns the place of the member key of an object at p, or nil.
func (p *place) child(key []byte) *place {
	if len(key) == 0 {
		return nil
	}
	for _, k := range p.keys {
		if len(k.key) == len(key) && k.key[0] == key[0] && k.key == string(key) {
			return k.p
		}
	}
	return nil
}

// placeTree builds a tree from paths ("usage", "choices.*.delta": keys
// separated by dots, * for the elements of an array) to the places they
// lead to. It runs when the package is initialised.
func placeTree(paths map[string]*place) *place {
	root := &place{}
	for path, leaf := range paths {
		p := root
		keys := strings.Split(path, ".")
		for i, key := range keys {
			next := leaf
			if i < len(keys)-1 {
				next = &place{}
			}
			if key == "*" {
				if p.elem == nil {
					p.elem = next
				}
				p = p.elem
				continue
			}
			if c := p.child([]byte(key)); c != nil {
				p = c
				continue
			}
			p.keys = append(p.keys, keyedPlace{key, next})
			p = next
		}
	}
	if depth(root) > maxDepth {
		panic("httpclient: a place of an LLM format is deeper than maxDepth")
	}
	return root
}

// depth is the number of levels of containers that the places below p
// and p itself may be in.
func depth(p *place) int {
	d := 0
	for _, k := range p.keys {
		d = max(d, depth(k.p))
	}
	if p.elem != nil {
		d = max(d, depth(p.elem))
	}
	if len(p.keys) > 0 || p.elem != nil {
		d++
	}
	return d
}

// usageObject is the place of a usage object whose counts are at the given
// paths (relative to the object) and go to the given indexes of counts.
func usageObject(fields map[string]int) *place {
	u := placeTree(placesOf(fields, roleCount))
	u.role = roleUsage
	return u
}

func placesOf(fields map[string]int, r role) map[string]*place {
	paths := make(map[string]*place, len(fields))
	for path, i := range fields {
		paths[path] = &place{role: r, count: i}
	}
	return paths
}

var (
	modelPlace  = &place{role: roleModel}
	outputPlace = &place{role: roleOutput}
)

// counts are the counts of the usage objects of one answer, indexed as its
// format's usage places say: 0 and 1 are its whole input and output (or a
// part of them), at least one of which a usage object must have. -1 is a
// count not reported.
type counts [maxCounts]int64

const maxCounts = 7

func noCounts() counts { return counts{-1, -1, -1, -1, -1, -1, -1} }

// merge keeps the larger of each count: streams report cumulative counts,
// some in more than one event (Anthropic's message_start and
// message_delta, every chunk of Gemini's).
func (c *counts) merge(v *counts) {
	for i := range c {
		c[i] = max(c[i], v[i])
	}
}

// sum adds the counts present at the indexes is.
func (c *counts) sum(is ...int) int64 {
	var total int64
	for _, i := range is {
		total += max(c[i], 0)
	}
	return total
}

// The count indexes of each format.
const (
	chatPrompt = iota
	chatCompletion
	chatCached
	chatCacheHit // DeepSeek's name for the cached part of the prompt
	chatReasoning
	chatCacheCreation // LiteLLM's, for Anthropic models
	chatTotal
)

const (
	respInput = iota
	respOutput
	respCached
	respReasoning
)

const (
	anthInput = iota // without the cache
	anthOutput
	anthCacheRead
	anthCacheCreation
)

const (
	gemPrompt     = iota
	gemCandidates // without the thoughts
	gemToolUsePrompt
	gemThoughts
	gemCached
)

const (
	ollamaPrompt = iota
	ollamaEval
)

var (
	// chatCompletions is OpenAI's Chat Completions (and legacy Completions
	// and Embeddings) format, as every OpenAI-compatible server answers it.
	// Groq puts a stream's usage in x_groq.
	chatCompletions = func() *llmFormat {
		usage := usageObject(map[string]int{
			"prompt_tokens": chatPrompt, "completion_tokens": chatCompletion,
			"prompt_tokens_details.cached_tokens": chatCached, "prompt_cache_hit_tokens": chatCacheHit,
			"completion_tokens_details.reasoning_tokens": chatReasoning,
			"cache_creation_input_tokens":                chatCacheCreation, "total_tokens": chatTotal,
		})
		usage.child([]byte("total_tokens")).check = true
		return newFormat(
			placeTree(map[string]*place{
				"usage": usage, "x_groq.usage": usage, "model": modelPlace,
				"choices.*.delta": outputPlace, "choices.*.text": outputPlace,
			}),
			func(c *counts) metrics.LLMUsage {
				cached := c.sum(chatCached)
				if c[chatCached] < 0 {
					cached = c.sum(chatCacheHit)
				}
				output := c.sum(chatCompletion)
				if r := c.sum(chatReasoning); r > 0 && c[chatTotal] == c.sum(chatPrompt, chatCompletion, chatReasoning) {
					output += r // xAI's completion_tokens leave the reasoning out, its total_tokens do not
				}
				return metrics.LLMUsage{
					Input: c.sum(chatPrompt), Output: output, CachedInput: cached,
					Reasoning: c.sum(chatReasoning), CacheCreationInput: c.sum(chatCacheCreation),
				}
			})
	}()

	// responses is OpenAI's Responses format: a stream's events carry the
	// response under "response" (response.completed, .incomplete, .failed).
	responses = func() *llmFormat {
		usage := usageObject(map[string]int{
			"input_tokens": respInput, "output_tokens": respOutput,
			"input_tokens_details.cached_tokens": respCached, "output_tokens_details.reasoning_tokens": respReasoning,
		})
		return newFormat(
			placeTree(map[string]*place{
				"usage": usage, "response.usage": usage, "model": modelPlace, "response.model": modelPlace, "delta": outputPlace,
			}),
			func(c *counts) metrics.LLMUsage {
				return metrics.LLMUsage{
					Input: c.sum(respInput), Output: c.sum(respOutput), CachedInput: c.sum(respCached), Reasoning: c.sum(respReasoning),
				}
			})
	}()

	// anthropicMessages is Anthropic's Messages format: a stream's
	// message_start event carries the message under "message", and
	// message_delta events the cumulative usage. input_tokens leaves the
	// cache out.
	anthropicMessages = func() *llmFormat {
		usage := usageObject(map[string]int{
			"input_tokens": anthInput, "output_tokens": anthOutput,
			"cache_read_input_tokens": anthCacheRead, "cache_creation_input_tokens": anthCacheCreation,
		})
		return newFormat(
			placeTree(map[string]*place{
				"usage": usage, "message.usage": usage, "model": modelPlace, "message.model": modelPlace, "delta": outputPlace,
			}),
			func(c *counts) metrics.LLMUsage {
				return metrics.LLMUsage{
					Input:  c.sum(anthInput, anthCacheRead, anthCacheCreation),
					Output: c.sum(anthOutput), CachedInput: c.sum(anthCacheRead), CacheCreationInput: c.sum(anthCacheCreation),
				}
			})
	}()

	// gemini is Google's generateContent format (Gemini API and Vertex AI):
	// candidatesTokenCount leaves the thoughts out.
	gemini = newFormat(
		placeTree(map[string]*place{
			"usageMetadata": usageObject(map[string]int{
				"promptTokenCount": gemPrompt, "toolUsePromptTokenCount": gemToolUsePrompt,
				"candidatesTokenCount": gemCandidates, "thoughtsTokenCount": gemThoughts, "cachedContentTokenCount": gemCached,
			}),
			"modelVersion": modelPlace, "candidates": outputPlace,
		}),
		func(c *counts) metrics.LLMUsage {
			return metrics.LLMUsage{
				Input: c.sum(gemPrompt, gemToolUsePrompt), Output: c.sum(gemCandidates, gemThoughts),
				CachedInput: c.sum(gemCached), Reasoning: c.sum(gemThoughts),
			}
		})

	// ollamaNative is Ollama's own /api/chat and /api/generate format: the
	// counts are members of the last document itself.
	ollamaNative = func() *llmFormat {
		root := usageObject(map[string]int{"prompt_eval_count": ollamaPrompt, "eval_count": ollamaEval})
		root.keys = append(root.keys, keyedPlace{"model", modelPlace}, keyedPlace{"message", outputPlace}, keyedPlace{"response", outputPlace})
		f := newFormat(root, func(c *counts) metrics.LLMUsage {
			return metrics.LLMUsage{Input: c.sum(ollamaPrompt), Output: c.sum(ollamaEval)}
		})
		f.usageOnly = true
		return f
	}()

	// requestJSON is the JSON body of a request: its "model" names the
	// model asked for.
	requestJSON = newFormat(placeTree(map[string]*place{"model": modelPlace}), nil)
)

// generationEndpoints end the paths of the calls that generate, by the
// format of their answers; the rest of the path is the API's prefix (the
// base URL's path).
var generationEndpoints = []struct {
	suffix string
	format *llmFormat
}{
	{"/chat/completions", chatCompletions},
	{"/completions", chatCompletions},
	{"/embeddings", chatCompletions},
	{"/responses", responses},
	{"/messages", anthropicMessages},
	{"/api/chat", ollamaNative},
	{"/api/generate", ollamaNative},
}

// generation returns the format of the answer to req and the API's path
// prefix when req is a call that generates: a POST to a generation
// endpoint. Retrievals, lists, token counts, file and batch downloads are
// not: they record genapp_http_* only.
func generation(req *http.Request) (f *llmFormat, prefix string, ok bool) {
	if req.Method != http.MethodPost {
		return nil, "", false
	}
	path := req.URL.Path
	slash := strings.LastIndexByte(path, '/')
	if _, method, ok := strings.Cut(path[slash+1:], ":"); ok && slash >= 0 {
		// Gemini and Vertex AI: .../models/gemini-2.5-flash:generateContent,
		// .../tunedModels/<id>:generateContent, .../endpoints/<id>:generateContent;
		// Claude on Vertex AI: .../publishers/anthropic/models/claude-...:rawPredict.
		prefix := path[:slash]
		for _, collection := range []string{"/models", "/tunedModels", "/endpoints"} {
			prefix = strings.TrimSuffix(prefix, collection)
		}
		switch method {
		case "generateContent", "streamGenerateContent":
			return gemini, prefix, true
		case "rawPredict", "streamRawPredict":
			return anthropicMessages, prefix, true
		}
		return nil, "", false
	}
	if strings.Contains(path, "/threads/") {
		return nil, "", false // OpenAI's Assistants: .../threads/<id>/messages adds a message
	}
	for _, e := range generationEndpoints {
		if prefix, ok := strings.CutSuffix(path, e.suffix); ok {
			return e.format, prefix, true
		}
	}
	return nil, "", false
}
