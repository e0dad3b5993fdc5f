package telegram_test

import (
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/genapp-go/genapp/internal/promtest"
	"github.com/genapp-go/genapp/metrics"
	"github.com/genapp-go/genapp/telegram"
)

// TestUpdateTypes: the 23 update types are each recorded by package
// metrics under their own type label, UpdateOther and nothing else; the
// list is the caller's copy; CheckUpdateTypes and CheckKind refuse what is
// not one of theirs, naming it.
func TestUpdateTypes(t *testing.T) {
	types := telegram.UpdateTypes()
	if len(types) != 23 || slices.Contains(types, telegram.UpdateOther) {
		t.Fatalf("UpdateTypes() = %v: want the 23 Update fields, without other", types)
	}
	m, err := metrics.New("bot", "dev", metrics.WithRegistry(prometheus.NewRegistry()))
	if err != nil {
		t.Fatal(err)
	}
	for _, typ := range types {
		m.StartTelegramUpdate(string(typ), time.Time{}).End()
	}
	types[0] = "changed"
	if got := telegram.UpdateTypes()[0]; got != telegram.UpdateMessage {
		t.Errorf("UpdateTypes()[0] = %q after the caller changed its copy", got)
	}
	e := promtest.Scrape(t, m.Handler())
	for _, typ := range telegram.UpdateTypes() {
		if got := e.Sum("genapp_telegram_updates_total", promtest.Labels{"type": string(typ)}); got != 1 {
			t.Errorf("type %s recorded %v times under its own label, want 1", typ, got)
		}
	}
	if err := telegram.CheckUpdateTypes(telegram.UpdateMessage, "mesage"); err == nil || !strings.Contains(err.Error(), `"mesage"`) {
		t.Errorf("CheckUpdateTypes with a typo: %v", err)
	}
	if err := telegram.CheckUpdateTypes(telegram.UpdateOther); err == nil {
		t.Error("CheckUpdateTypes(UpdateOther) = nil: other is a label, not a type to ask for")
	}
	for _, k := range telegram.Kinds() {
		if err := telegram.CheckKind(k); err != nil {
			t.Errorf("CheckKind(%q): %v", k, err)
		}
	}
	if err := telegram.CheckKind("txt"); err == nil || !strings.Contains(err.Error(), `"txt"`) {
		t.Errorf("CheckKind with a typo: %v", err)
	}
}
