// Package metrics serves a run's progress as Prometheus metrics (spiral-node
// run --metrics ADDR): simulated time, wall time and real-time factor,
// spikes per population, the processes of the run (workers or cluster
// members) with their state, and the round trip over each link between
// them.
package metrics

import (
	"errors"
	"fmt"
	"net"
	"net/http"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"
)

// Run holds the metrics of one run. Its methods may be called from any
// goroutine.
type Run struct {
	reg       *prometheus.Registry
	simulated prometheus.Gauge
	wall      prometheus.Gauge
	rtf       prometheus.Gauge
	spikes    *prometheus.CounterVec
	peers     *prometheus.GaugeVec
	links     *prometheus.GaugeVec
	dt        float64 // ms

	mu    sync.Mutex
	start time.Time
}

// New makes the metrics of a run of time step dtMs, labelled with the
// model's name.
func New(model string, dtMs float64) *Run {
	reg := prometheus.NewRegistry()
	labels := prometheus.Labels{"model": model}
	r := &Run{reg: reg, dt: dtMs,
		simulated: prometheus.NewGauge(prometheus.GaugeOpts{Name: "spiral_simulated_seconds", Help: "Simulated time so far.", ConstLabels: labels}),
		wall:      prometheus.NewGauge(prometheus.GaugeOpts{Name: "spiral_simulate_wall_seconds", Help: "Wall time of the simulation so far (the build excluded).", ConstLabels: labels}),
		rtf:       prometheus.NewGauge(prometheus.GaugeOpts{Name: "spiral_real_time_factor", Help: "Wall seconds per simulated second so far.", ConstLabels: labels}),
		spikes: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "spiral_spikes_total", Help: "Spikes recorded so far, per population.", ConstLabels: labels},
			[]string{"population"}),
		peers: prometheus.NewGaugeVec(prometheus.GaugeOpts{Name: "spiral_peer_up", Help: "The processes hosting the run's shards (workers or cluster members), 1 each while the run goes on: a lost one ends the run.", ConstLabels: labels},
			[]string{"peer"}),
	}
	r.links = prometheus.NewGaugeVec(prometheus.GaugeOpts{Name: "spiral_link_rtt_seconds",
		Help: "Round trip of a probe over a link of the run (coordinator to member, member to member), queued behind the run's batches: what an exchange over it takes; -1 when the last probe had no answer within 2 s.", ConstLabels: labels},
		[]string{"from", "to"})
	reg.MustRegister(r.simulated, r.wall, r.rtf, r.spikes, r.peers, r.links)
	return r
}

// Start marks the start of the simulation (after the build).
func (r *Run) Start() {
	r.mu.Lock()
	r.start = time.Now()
	r.mu.Unlock()
}

// Progress records that steps steps have been simulated.
func (r *Run) Progress(steps int64) {
	r.mu.Lock()
	start := r.start
	r.mu.Unlock()
	sim := float64(steps) * r.dt / 1000
	r.simulated.Set(sim)
	if start.IsZero() {
		return
	}
	w := time.Since(start).Seconds()
	r.wall.Set(w)
	if sim > 0 {
		r.rtf.Set(w / sim)
	}
}

// Spikes adds n spikes of population pop.
func (r *Run) Spikes(pop string, n int) { r.spikes.WithLabelValues(pop).Add(float64(n)) }

// Peers records the processes hosting the run, all serving it.
func (r *Run) Peers(names []string) {
	for _, n := range names {
		r.peers.WithLabelValues(n).Set(1)
	}
}

// Link records the round trip of the last probe over the link from → to
// (negative: no answer).
func (r *Run) Link(from, to string, rtt time.Duration) {
	v := rtt.Seconds()
	if rtt < 0 {
		v = -1
	}
	r.links.WithLabelValues(from, to).Set(v)
}

// Handler serves the metrics in Prometheus's text format.
func (r *Run) Handler() http.Handler { return promhttp.HandlerFor(r.reg, promhttp.HandlerOpts{}) }

// Server serves a run's metrics on /metrics.
type Server struct {
	srv  *http.Server
	ln   net.Listener
	done chan error
}

// Serve listens on addr (host:port; port 0 picks one) and serves r's
// metrics on /metrics until Close.
func Serve(addr string, r *Run) (*Server, error) {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, fmt.Errorf("metrics: %w", err)
	}
	mux := http.NewServeMux()
	mux.Handle("/metrics", r.Handler())
	s := &Server{srv: &http.Server{Handler: mux, ReadHeaderTimeout: 5 * time.Second}, ln: ln, done: make(chan error, 1)}
	go func() {
		err := s.srv.Serve(ln)
		if errors.Is(err, http.ErrServerClosed) {
			err = nil
		}
		s.done <- err
	}()
	return s, nil
}

// Addr returns the address the server listens on.
func (s *Server) Addr() string { return s.ln.Addr().String() }

// Close stops the server.
func (s *Server) Close() error {
	if err := s.srv.Close(); err != nil {
		return err
	}
	return <-s.done
}
