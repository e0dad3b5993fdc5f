package metrics

import (
	"sync/atomic"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/procfs"
)

// processGauges are the genapp_process_* families of llm_common 2.6, read
// from /proc at each scrape. All are gauges, the _total ones too, as
// llm_common types them. Where /proc cannot be read (not Linux, a sandbox)
// they are absent rather than zero, and the scrape goes on.
//
// There is one process, so a registry has one set of these gauges, whatever
// the instances made on it: they carry the app and env of the last one made
// (see [registerProcessGauges]), as variable labels that can change.
//
// llm_common's glibc_malloc_* and gc_generation_heap_counter describe
// CPython and glibc internals and have no Go counterpart; the go_* families
// of client_golang's Go collector describe the Go runtime instead.
type processGauges struct {
	procRoot string // procfs.DefaultMountPoint; a test points it elsewhere
	descs    [len(processFamilies)]*prometheus.Desc
	labels   atomic.Pointer[[2]string] // app and env
}

// processFamilies name the genapp_process_* families in the order of
// processValues. Their help strings are this module's: llm_common 2.6 does
// not publish its own.
var processFamilies = [...]struct{ name, help string }{
	{"genapp_process_resident_memory_bytes", "Resident memory size of the process in bytes"},
	{"genapp_process_threads", "Number of OS threads of the process"},
	{"genapp_process_cpu_seconds_total", "User and system CPU time of the process in seconds"},
	{"genapp_process_soft_page_faults_total", "Page faults of the process served without I/O (minor faults)"},
	{"genapp_process_hard_page_faults_total", "Page faults of the process that needed I/O (major faults)"},
	{"genapp_process_voluntary_context_switches_total", "Context switches of the process's main thread that it gave up the CPU for"},
	{"genapp_process_involuntary_context_switches_total", "Context switches of the process's main thread that the kernel imposed"},
}

func newProcessGauges(app, env string) *processGauges {
	p := &processGauges{procRoot: procfs.DefaultMountPoint}
	for i, f := range processFamilies {
		p.descs[i] = prometheus.NewDesc(f.name, f.help, []string{"app", "env"}, nil)
	}
	p.labels.Store(&[2]string{app, env})
	return p
}

// registerProcessGauges returns the process gauges of reg, registered by an
// instance made on reg before or else now, labelled with app and env from
// now on: a second Init with another project or env moves them rather than
// adding a second set.
func registerProcessGauges(reg prometheus.Registerer, app, env string) (*processGauges, error) {
	p, registered, err := register(reg, newProcessGauges(app, env), "genapp_process_* gauges")
	if err != nil {
		return nil, err
	}
	if !registered {
		p.labels.Store(&[2]string{app, env})
	}
	return p, nil
}

// Describe implements prometheus.Collector.
func (p *processGauges) Describe(ch chan<- *prometheus.Desc) {
	for _, d := range p.descs {
		ch <- d
	}
}

// Collect implements prometheus.Collector. It sends the gauges it can
// read: none without /proc/self/stat, the context switches only with
// /proc/self/status.
func (p *processGauges) Collect(ch chan<- prometheus.Metric) {
	labels := p.labels.Load()
	values, n := p.read()
	for i, v := range values[:n] {
		ch <- prometheus.MustNewConstMetric(p.descs[i], prometheus.GaugeValue, v, labels[0], labels[1])
	}
}

// read returns the values of processFamilies and how many of them, from
// the first, it could read.
func (p *processGauges) read() (values [len(processFamilies)]float64, n int) {
	fs, err := procfs.NewFS(p.procRoot)
	if err != nil {
		return values, 0
	}
	self, err := fs.Self()
	if err != nil {
		return values, 0
	}
	stat, err := self.Stat()
	if err != nil {
		return values, 0
	}
	values[0], values[1], values[2] = float64(stat.ResidentMemory()), float64(stat.NumThreads), stat.CPUTime()
	values[3], values[4] = float64(stat.MinFlt), float64(stat.MajFlt)
	status, err := self.NewStatus()
	if err != nil {
		return values, 5
	}
	values[5], values[6] = float64(status.VoluntaryCtxtSwitches), float64(status.NonVoluntaryCtxtSwitches)
	return values, len(values)
}
