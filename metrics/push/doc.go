// Package push sends the metrics of a short-lived task process to a
// Prometheus Pushgateway, for periodic jobs that run as their own process
// (a cron job, a Kubernetes CronJob) and are gone before any scrape.
//
// A task process records its run with the metrics package on its own
// registry and pushes once at the end:
//
//	reg := prometheus.NewRegistry()
//	m, err := metrics.New("reportbot", "prod", metrics.WithRegistry(reg))
//	...
//	a := m.Track("report_task")
//	err = report(ctx)
//	a.End(&err)
//	if perr := push.Push(ctx, "http://pushgateway:9091", "reportbot_report", m); perr != nil {
//		log.Print(perr)
//	}
//
// The group is job, app, env and instance, so that runs on different hosts
// and of different environments do not overwrite each other, and each push
// replaces the metrics its previous run pushed. Scrape the Pushgateway with
// honor_labels: true; deploy/prometheus/rules.yml alerts when a pushed task
// has not pushed a successful run for an hour.
//
// This is for batch jobs only. A long-running bot is scraped, never pushed.
package push
