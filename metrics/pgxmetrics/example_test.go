package pgxmetrics_test

import (
	"context"
	"log"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/genapp-go/genapp/metrics"
	"github.com/genapp-go/genapp/metrics/pgxmetrics"
)

func ExampleRegister() {
	ctx := context.Background()
	if _, err := metrics.Init("orders-service", "prod"); err != nil {
		log.Fatal(err)
	}
	pool, err := pgxpool.New(ctx, "postgres://app@127.0.0.1:5432/orders")
	if err != nil {
		log.Fatal(err)
	}
	defer pool.Close()
	defer metrics.UnregisterDB("orders") // before pool.Close
	if err := pgxmetrics.Register(pool, "orders"); err != nil {
		log.Fatal(err)
	}
	// ... the page now has genapp_sql_pool_*{database="orders"}.
}
