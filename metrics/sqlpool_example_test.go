package metrics_test

import (
	"context"
	"database/sql"
	"fmt"

	"github.com/prometheus/client_golang/prometheus"
	_ "modernc.org/sqlite"

	"github.com/genapp-go/genapp/metrics"
)

func ExampleRegisterDB() {
	m, _ := metrics.New("demobot", "dev", metrics.WithRegistry(prometheus.NewRegistry()))
	db, err := sql.Open("sqlite", ":memory:")
	if err != nil {
		fmt.Println(err)
		return
	}
	defer db.Close()
	db.SetMaxOpenConns(1) // each connection to :memory: is a database of its own
	// metrics.RegisterDB registers in the Init default.
	if err := m.RegisterDB(db, "sessions"); err != nil {
		fmt.Println(err)
		return
	}

	conn, _ := db.Conn(context.Background()) // one connection in use
	printSeries(m, "genapp_sql_pool_busy_connections")
	printSeries(m, "genapp_sql_pool_size")
	_ = conn.Close()
	printSeries(m, "genapp_sql_pool_free_connections")
	// Output:
	// genapp_sql_pool_busy_connections{app="demobot",database="sessions",env="dev"} 1
	// genapp_sql_pool_size{app="demobot",database="sessions",env="dev"} 1
	// genapp_sql_pool_free_connections{app="demobot",database="sessions",env="dev"} 1
}
