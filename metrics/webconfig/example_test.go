package webconfig_test

import (
	"context"
	"fmt"
	"log"
	"net"
	"net/http"
	"os"
	"path/filepath"

	"golang.org/x/crypto/bcrypt"

	"github.com/genapp-go/genapp/metrics"
	"github.com/genapp-go/genapp/metrics/webconfig"
)

func ExampleLoad() {
	// A web configuration file letting user prometheus in with password
	// s3cret (hashed at bcrypt's minimum cost to keep the example fast; a
	// real file holds the output of htpasswd -nBC 10 prometheus).
	dir, err := os.MkdirTemp("", "webconfig")
	if err != nil {
		log.Fatal(err)
	}
	defer os.RemoveAll(dir)
	hash, err := bcrypt.GenerateFromPassword([]byte("s3cret"), bcrypt.MinCost)
	if err != nil {
		log.Fatal(err)
	}
	path := filepath.Join(dir, "web-config.yml")
	if err := os.WriteFile(path, []byte("basic_auth_users:\n  prometheus: "+string(hash)+"\n"), 0o600); err != nil {
		log.Fatal(err)
	}

	// In main, while the flags are checked: a bad file stops the command
	// before it opens any socket.
	wc, err := webconfig.Load(path)
	if err != nil {
		log.Fatal(err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		log.Fatal(err)
	}
	ctx, stop := context.WithCancel(context.Background())
	served := make(chan error, 1)
	go func() { served <- metrics.ServeListener(ctx, ln, metrics.WithSecurity(wc)) }()

	for _, password := range []string{"guess", "s3cret"} {
		req, err := http.NewRequest(http.MethodGet, wc.Scheme()+"://"+ln.Addr().String()+metrics.LivenessPath, nil)
		if err != nil {
			log.Fatal(err)
		}
		req.SetBasicAuth("prometheus", password)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			log.Fatal(err)
		}
		resp.Body.Close()
		fmt.Println(password, resp.Status)
	}
	stop()
	if err := <-served; err != nil {
		log.Fatal(err)
	}
	// Output:
	// guess 401 Unauthorized
	// s3cret 200 OK
}
