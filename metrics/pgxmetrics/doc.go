// Package pgxmetrics shows a github.com/jackc/pgx/v5 pgxpool.Pool in the
// genapp_sql_pool_* gauges of package metrics. It is a package of its own
// so that programs without pgx do not compile it.
package pgxmetrics
