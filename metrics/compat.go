package metrics

import "fmt"

// Compatibility names the llm_common release whose exposition [New] and
// [Init] reproduce, for pages that Python services of one release and Go
// services share (the same dashboards and alerts).
type Compatibility int

const (
	// LLMCommon26 is llm_common 2.6, the default: genapp_action_count_total
	// has the error_name label, and the genapp_llm_*, genapp_process_* and
	// genapp_sql_pool_* families are exposed.
	LLMCommon26 Compatibility = iota
	// LLMCommon22 is llm_common 2.2.0 exactly: genapp_action_count_total
	// without error_name, and none of the families 2.6 added. The LLM
	// functions record nothing.
	LLMCommon22
)

func (c Compatibility) String() string {
	switch c {
	case LLMCommon26:
		return "llm_common 2.6"
	case LLMCommon22:
		return "llm_common 2.2.0"
	}
	return fmt.Sprintf("Compatibility(%d)", int(c))
}

// WithCompatibility makes the families those of llm_common release c
// (default [LLMCommon26]). Every instance on one registry must use the same
// c: [New] fails on a registry that holds the families of another one.
func WithCompatibility(c Compatibility) Option {
	return func(cfg *config) {
		if c != LLMCommon26 && c != LLMCommon22 {
			cfg.errs = append(cfg.errs, fmt.Errorf("metrics: WithCompatibility(%d): use LLMCommon26 or LLMCommon22", int(c)))
			return
		}
		cfg.compat = c
	}
}
