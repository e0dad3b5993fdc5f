package webconfig

import (
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"testing"

	"golang.org/x/crypto/bcrypt"
)

// TestUnknownUserCost: the password of an unknown user is compared with a
// hash of the cost of one of the users' hashes, picked by the name, so that
// a refusal takes as long as that of a user who exists, whatever their
// costs (a fixed cost-10 hash, before, took 64 times the work of a cost-4
// user's: a fast refusal meant the user existed).
func TestUnknownUserCost(t *testing.T) {
	for _, costs := range [][]int{{bcrypt.MinCost}, {bcrypt.MinCost, 6}} {
		path := filepath.Join(t.TempDir(), "web.yml")
		yml := "basic_auth_users:\n"
		for i, cost := range costs {
			hash, err := bcrypt.GenerateFromPassword([]byte("pw"), cost)
			if err != nil {
				t.Fatal(err)
			}
			yml += fmt.Sprintf("  user%d: %s\n", i, hash)
		}
		if err := os.WriteFile(path, []byte(yml), 0o600); err != nil {
			t.Fatal(err)
		}
		c, err := Load(path)
		if err != nil {
			t.Fatal(err)
		}
		seen := map[int]bool{}
		for i := range 64 {
			name := fmt.Sprint("intruder", i)
			got, err := bcrypt.Cost(c.current().unknownUserHash(name))
			if err != nil || !slices.Contains(costs, got) {
				t.Fatalf("users of costs %v: %s is compared at cost %d (%v)", costs, name, got, err)
			}
			if again, _ := bcrypt.Cost(c.current().unknownUserHash(name)); again != got {
				t.Fatalf("%s is compared at cost %d, then %d: the choice must not vary", name, got, again)
			}
			seen[got] = true
		}
		if len(seen) != len(costs) {
			t.Errorf("users of costs %v: 64 unknown names were compared at costs %v only", costs, seen)
		}
	}
}
