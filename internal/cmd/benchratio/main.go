package main

import (
	"bufio"
	"fmt"
	"os"
	"regexp"
	"slices"
	"strconv"
)

// pairs are each benchmark and its peer, with the target of the ratio.
var pairs = []struct{ ours, peer, target string }{
	{"Track", "TrackBaseline", "<= 1.5x, 0 allocs"},
	{"TrackFailed", "TrackBaseline", "<= 1.5x, 0 allocs"},
	{"TrackContext/nospan", "Track", "native histograms and exemplars on: noise, 0 allocs"},
	{"TrackContext/span", "Track", "exemplar stored: 1 alloc"},
	{"Middleware", "PromhttpChain", "<= 0.5x, <= 2 allocs"},
	{"MiddlewareTraced", "Middleware", "native histograms, exemplar: +1 alloc"},
	{"Transport", "PromhttpRoundTripper", "<= 1x, fewer allocs"},
	{"ServeMux/tracked", "ServeMux/untracked", "info: Middleware's cost, the bound of the routers below"},
	{"Chi/tracked", "Chi/untracked", "ns added <= ServeMux's + RoutePattern"},
	{"Gin/tracked", "Gin/untracked", "ns added <= ServeMux's"},
	{"Echo4/tracked", "Echo4/untracked", "ns added <= ServeMux's + echo's closure"},
	{"Echo5/tracked", "Echo5/untracked", "ns added <= ServeMux's"},
	{"Telebot/tracked", "Telebot/untracked", "<= 1.3x"},
	{"Telebot/counted", "Telebot/untracked", "<= 1.3x (the Poller's path: the update families too)"},
	{"Telebot/activeusers", "Telebot/untracked", "<= 1.3x (counted, active users on)"},
	{"Telebot4/tracked", "Telebot4/untracked", "<= 1.3x"},
	{"Telebot4/counted", "Telebot4/untracked", "<= 1.3x (the Poller's path: the update families too)"},
	{"Telebot4/activeusers", "Telebot4/untracked", "<= 1.3x (counted, active users on)"},
	{"Router/noop/tracked", "Router/noop/untracked", "<= 1.3x"},
	{"Router/noop/activeusers", "Router/noop/untracked", "info: active users on, no handler work"},
	{"Router/reply/tracked", "Router/reply/untracked", "<= 1.3x"},
	{"Router/reply/activeusers", "Router/reply/untracked", "<= 1.3x (active users on)"},
	{"Gotgbot/reply/tracked", "Gotgbot/reply/untracked", "<= 1.3x"},
	{"Gotgbot/reply/activeusers", "Gotgbot/reply/untracked", "<= 1.3x (active users on)"},
	{"GoTelegram/reply/tracked", "GoTelegram/reply/untracked", "<= 1.3x"},
	{"GoTelegram/reply/activeusers", "GoTelegram/reply/untracked", "<= 1.3x (active users on)"},
	{"Telego/tracked", "Telego/untracked", "<= 1.3x"},
	{"Telego/activeusers", "Telego/untracked", "<= 1.3x (active users on)"},
	{"TelegramUpdateActiveUsers", "TelegramUpdate", "info: the sketch's cost per update, 0 allocs"},
	{"Scrape/handler", "Scrape/promhttp", "<= 1.1x"},
	{"LLMStream/usage=on", "LLMStream/usage=off", "<= 1.15x, allocs flat"},
	{"LLMUsage", "LLMUsageBaseline", "<= 2.5x (the series looked up by six labels), 0 allocs"},
	{"LLMStreamCPU/size=200KB/usage=on", "LLMStreamCPU/size=200KB/usage=off", "info: CPU without network; allocs as at 20KB"},
	{"Guard/keys=100000/known", "Guard/keys=10/known", "<= 1.5x (flat)"},
	{"Guard/keys=100000/new", "Guard/keys=10/new", "<= 2x (O(1), see docs)"},
}

var line = regexp.MustCompile(`^Benchmark(\S+?)(?:-\d+)?\s+\d+\s+([\d.]+) ns/op(?:\s+[\d.]+ B/op\s+(\d+) allocs/op)?`)

type result struct {
	ns     []float64
	allocs string
}

func main() {
	if len(os.Args) != 2 {
		fmt.Fprintln(os.Stderr, "usage: benchratio FILE (the output of make bench)")
		os.Exit(2)
	}
	f, err := os.Open(os.Args[1])
	if err != nil {
		fmt.Fprintln(os.Stderr, "benchratio:", err)
		os.Exit(1)
	}
	defer f.Close()
	results := map[string]*result{}
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		m := line.FindStringSubmatch(sc.Text())
		if m == nil {
			continue
		}
		ns, err := strconv.ParseFloat(m[2], 64)
		if err != nil {
			continue
		}
		r := results[m[1]]
		if r == nil {
			r = &result{}
			results[m[1]] = r
		}
		r.ns = append(r.ns, ns)
		r.allocs = m[3]
	}
	if err := sc.Err(); err != nil {
		fmt.Fprintln(os.Stderr, "benchratio:", err)
		os.Exit(1)
	}
	fmt.Printf("| ours | peer | rounds | median ns/op ours / peer | median ratio (min-max) | allocs/op ours / peer | target |\n|---|---|---|---|---|---|---|\n")
	for _, p := range pairs {
		a, b := results[p.ours], results[p.peer]
		if a == nil || b == nil {
			fmt.Printf("| %s | %s | 0 | | missing | | %s |\n", p.ours, p.peer, p.target)
			continue
		}
		n := min(len(a.ns), len(b.ns))
		ratios := make([]float64, n)
		for i := range n {
			ratios[i] = a.ns[i] / b.ns[i]
		}
		fmt.Printf("| %s | %s | %d | %s / %s | %.2fx (%.2f-%.2f) | %s / %s | %s |\n", p.ours, p.peer, n,
			human(median(a.ns)), human(median(b.ns)), median(ratios), slices.Min(ratios), slices.Max(ratios),
			a.allocs, b.allocs, p.target)
	}
}

func median(xs []float64) float64 {
	s := slices.Sorted(slices.Values(xs))
	if len(s)%2 == 1 {
		return s[len(s)/2]
	}
	return (s[len(s)/2-1] + s[len(s)/2]) / 2
}

func human(ns float64) string {
	switch {
	case ns >= 1e6:
		return fmt.Sprintf("%.1f ms", ns/1e6)
	case ns >= 1e3:
		return fmt.Sprintf("%.2f µs", ns/1e3)
	}
	return fmt.Sprintf("%.0f ns", ns)
}
