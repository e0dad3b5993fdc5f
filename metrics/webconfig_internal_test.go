package metrics

import (
	"fmt"
	"os"
	"path/filepath"
	"testing"

	"golang.org/x/crypto/bcrypt"
)

// TestUnknownUserCost: the password of an unknown user is compared with a
// hash of the highest cost among the users', so that a refusal takes as
// long whether the user exists or not (the fixed cost-10 hash used before
// took 64 times the work of cost-4 users' hashes, and told them apart).
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
		c, err := LoadWebConfig(path)
		if err != nil {
			t.Fatal(err)
		}
		got, err := bcrypt.Cost(c.current().unknownUserHash)
		if want := costs[len(costs)-1]; err != nil || got != want {
			t.Errorf("users of costs %v: the unknown user's hash has cost %d (%v), want %d", costs, got, err, want)
		}
	}
}
