package deploy

import (
	"encoding/json"
	"os"
	"strings"
	"testing"
)

// panelDatasource is the data source of every panel, target and query
// variable: the dashboard's datasource variable.
const panelDatasource = `{"type":"prometheus","uid":"${datasource}"}`

// TestDashboardDatasource: the dashboard picks its Prometheus one way,
// which works both when it is imported and when it is provisioned from the
// file: a datasource variable of type prometheus, which Grafana sets to its
// default Prometheus data source and lets the viewer change, used by every
// panel, target and query variable. An __inputs entry (${DS_...}) would be
// filled in on import only, and a provisioned dashboard would name a data
// source that does not exist.
func TestDashboardDatasource(t *testing.T) {
	raw, err := os.ReadFile(dashboardFile)
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(string(raw), "${DS_") {
		t.Errorf("%s uses an import input (${DS_...}), which a provisioned dashboard leaves unresolved", dashboardFile)
	}
	var d struct {
		Inputs     json.RawMessage `json:"__inputs"`
		Templating struct {
			List []map[string]json.RawMessage `json:"list"`
		} `json:"templating"`
		Panels []map[string]json.RawMessage `json:"panels"`
	}
	if err := json.Unmarshal(raw, &d); err != nil {
		t.Fatalf("%s: %v", dashboardFile, err)
	}
	if d.Inputs != nil {
		t.Errorf("%s declares __inputs %s: the datasource variable is the one mechanism", dashboardFile, d.Inputs)
	}
	checkDatasource := func(what string, ds json.RawMessage) {
		t.Helper()
		var v any
		if err := json.Unmarshal(ds, &v); err != nil {
			t.Errorf("%s: datasource %s: %v", what, ds, err)
			return
		}
		if got, _ := json.Marshal(v); string(got) != panelDatasource {
			t.Errorf("%s: datasource %s, want %s", what, ds, panelDatasource)
		}
	}
	variables := 0
	for _, v := range d.Templating.List {
		name, typ := str(v["name"]), str(v["type"])
		switch {
		case name == "datasource":
			variables++
			if typ != "datasource" || str(v["query"]) != "prometheus" {
				t.Errorf("variable datasource: type %q, query %q; want datasource, prometheus", typ, str(v["query"]))
			}
		case typ == "query":
			checkDatasource("variable "+name, v["datasource"])
		}
	}
	if variables != 1 {
		t.Errorf("%d variables named datasource, want 1", variables)
	}
	targets := 0
	for _, p := range d.Panels {
		title := "panel " + str(p["title"])
		if str(p["type"]) == "row" {
			if p["targets"] != nil {
				t.Errorf("%s: a row with targets", title)
			}
			continue
		}
		checkDatasource(title, p["datasource"])
		var ts []map[string]json.RawMessage
		if err := json.Unmarshal(p["targets"], &ts); err != nil || len(ts) == 0 {
			t.Errorf("%s: no targets (%v)", title, err)
		}
		for _, target := range ts {
			targets++
			checkDatasource(title+" target "+str(target["refId"]), target["datasource"])
		}
	}
	if targets == 0 {
		t.Fatalf("%s: no panel targets found", dashboardFile)
	}
}

// str is a JSON string's value, "" for anything else.
func str(raw json.RawMessage) string {
	var s string
	_ = json.Unmarshal(raw, &s)
	return s
}
