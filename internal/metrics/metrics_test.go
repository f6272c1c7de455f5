package metrics

import (
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"
)

// The metrics read what the run reported: simulated time from steps and
// dt, spikes summed per population, the peers up; served in Prometheus's
// text format, also over a real listener.
func TestRunMetrics(t *testing.T) {
	r := New("brunel", 0.1)
	r.Start()
	time.Sleep(10 * time.Millisecond)
	r.Progress(20000) // 2 s simulated
	r.Spikes("E", 5)
	r.Spikes("E", 7)
	r.Spikes("I", 3)
	r.Peers([]string{"node1", "node2"})
	r.Link("coordinator", "node1", 1500*time.Microsecond)
	r.Link("node1", "node2", -1)
	rec := httptest.NewRecorder()
	r.Handler().ServeHTTP(rec, httptest.NewRequest("GET", "/metrics", nil))
	body := rec.Body.String()
	for _, want := range []string{
		`spiral_simulated_seconds{model="brunel"} 2`,
		`spiral_spikes_total{model="brunel",population="E"} 12`,
		`spiral_spikes_total{model="brunel",population="I"} 3`,
		`spiral_peer_up{model="brunel",peer="node1"} 1`,
		`spiral_peer_up{model="brunel",peer="node2"} 1`,
		`spiral_real_time_factor{model="brunel"}`,
		`spiral_link_rtt_seconds{from="coordinator",model="brunel",to="node1"} 0.0015`,
		`spiral_link_rtt_seconds{from="node1",model="brunel",to="node2"} -1`,
	} {
		if !strings.Contains(body, want) {
			t.Errorf("missing %q in:\n%s", want, body)
		}
	}
	srv, err := Serve("127.0.0.1:0", r)
	if err != nil {
		t.Fatal(err)
	}
	resp, err := http.Get("http://" + srv.Addr() + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if !strings.Contains(string(b), `spiral_spikes_total{model="brunel",population="E"} 12`) {
		t.Errorf("served:\n%s", b)
	}
	if err := srv.Close(); err != nil {
		t.Fatal(err)
	}
	if _, err := http.Get("http://" + srv.Addr() + "/metrics"); err == nil {
		t.Error("still served after Close")
	}
}
