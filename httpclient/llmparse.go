package httpclient

// parseUsage reads the counts of the usage object b into u, whose counts
// start at -1 (absent), and reports whether b is an object whose known
// counts are integers. It allocates nothing, so that a stream that reports
// usage in every chunk (Gemini) costs no allocation per chunk. It relies on
// b being a captured value: it begins with '{' and its brackets balance
// outside strings.
func parseUsage(b []byte, u *rawUsage) bool {
	var keys [2][]byte // the current key at depth 1 and 2
	var inObject [3]bool
	depth, expectKey := 0, false
	for i := 0; i < len(b); {
		c := b[i]
		if depth == 0 && c != '{' {
			return false
		}
		switch {
		case isSpace(c) || c == ':':
			i++
		case c == ',':
			expectKey = depth <= len(inObject) && inObject[depth-1]
			i++
		case c == '{' || c == '[':
			if u.field(depth, keys) != nil {
				return false // a count that is an object or an array
			}
			if depth < len(inObject) {
				inObject[depth] = c == '{'
			}
			depth++
			expectKey = c == '{'
			i++
		case c == '}' || c == ']':
			depth--
			if depth == 0 {
				return i == len(b)-1
			}
			i++
		case c == '"':
			end := stringEnd(b, i+1)
			if end < 0 {
				return false
			}
			switch {
			case expectKey && depth <= len(keys):
				keys[depth-1] = b[i+1 : end]
			case !expectKey && u.field(depth, keys) != nil:
				return false // a count that is a string
			}
			expectKey = false
			i = end + 1
		default:
			j := i
			for j < len(b) && !isSpace(b[j]) && b[j] != ',' && b[j] != '}' && b[j] != ']' {
				j++
			}
			if string(b[i:j]) != "null" && string(b[i:j]) != "true" && string(b[i:j]) != "false" {
				n, ok := parseCount(b[i:j])
				if !ok {
					return false
				}
				if p := u.field(depth, keys); p != nil {
					*p = n
				}
			} else if string(b[i:j]) != "null" && u.field(depth, keys) != nil {
				return false // a count that is true or false
			}
			i = max(j, i+1)
		}
	}
	return false
}

// stringEnd returns the index of the quote that ends the string whose
// content starts at i, or -1.
func stringEnd(b []byte, i int) int {
	for ; i < len(b); i++ {
		switch b[i] {
		case '\\':
			i++
		case '"':
			return i
		}
	}
	return -1
}

// parseCount parses a JSON integer of at most 18 digits: a count. A
// fraction or an exponent is not one.
func parseCount(b []byte) (int64, bool) {
	neg := len(b) > 0 && b[0] == '-'
	if neg {
		b = b[1:]
	}
	if len(b) == 0 || len(b) > 18 {
		return 0, false
	}
	var n int64
	for _, c := range b {
		if c < '0' || c > '9' {
			return 0, false
		}
		n = n*10 + int64(c-'0')
	}
	if neg {
		n = -n
	}
	return n, true
}

// field returns the count of u that the key path keys[:depth] names, or
// nil.
func (u *rawUsage) field(depth int, keys [2][]byte) *int64 {
	switch depth {
	case 1:
		switch string(keys[0]) {
		case "prompt_tokens":
			return &u.PromptTokens
		case "completion_tokens":
			return &u.CompletionTokens
		case "input_tokens":
			return &u.InputTokens
		case "output_tokens":
			return &u.OutputTokens
		case "cache_read_input_tokens":
			return &u.CacheReadInputTokens
		case "cache_creation_input_tokens":
			return &u.CacheCreationInputTokens
		case "promptTokenCount":
			return &u.PromptTokenCount
		case "toolUsePromptTokenCount":
			return &u.ToolUsePromptTokenCount
		case "candidatesTokenCount":
			return &u.CandidatesTokenCount
		case "cachedContentTokenCount":
			return &u.CachedContentTokenCount
		case "thoughtsTokenCount":
			return &u.ThoughtsTokenCount
		}
	case 2:
		cached, reasoning := string(keys[1]) == "cached_tokens", string(keys[1]) == "reasoning_tokens"
		switch string(keys[0]) {
		case "prompt_tokens_details":
			if cached {
				return &u.PromptTokensDetails.CachedTokens
			}
		case "completion_tokens_details":
			if reasoning {
				return &u.CompletionTokensDetails.ReasoningTokens
			}
		case "input_tokens_details":
			if cached {
				return &u.InputTokensDetails.CachedTokens
			}
		case "output_tokens_details":
			if reasoning {
				return &u.OutputTokensDetails.ReasoningTokens
			}
		}
	}
	return nil
}
