package workers_test

import (
	"fmt"
	"net"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/spiral-sim/spiral/actors"
	"github.com/spiral-sim/spiral/internal/testnets"
	"github.com/spiral-sim/spiral/internal/transport"
	"github.com/spiral-sim/spiral/messages"
	"github.com/spiral-sim/spiral/network"
	"github.com/spiral-sim/spiral/workers"
)

// cluster makes a certificate directory with the members and the
// coordinator named.
func cluster(t *testing.T, names ...string) string {
	t.Helper()
	dir := filepath.Join(t.TempDir(), "certs")
	a, err := transport.InitDir(dir, "test")
	if err != nil {
		t.Fatal(err)
	}
	for _, n := range names {
		id, err := a.IssueFor(n, []string{"127.0.0.1"})
		if err != nil {
			t.Fatal(err)
		}
		if err := transport.SaveIdentity(dir, id); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

// startMember serves runs as member name on host, until the test ends.
func startMember(t *testing.T, dir, name, host string) *workers.Member {
	t.Helper()
	id, err := transport.LoadIdentity(dir, name)
	if err != nil {
		t.Fatal(err)
	}
	m, err := workers.ListenMember(workers.MemberOptions{Listen: host + ":0", Identity: id, Version: "test",
		Recipe: func([]byte) (workers.Build, error) { return build, nil }})
	if err != nil {
		t.Fatal(err)
	}
	go func() { _ = m.Serve() }()
	t.Cleanup(m.Close)
	return m
}

// runOnMembers runs the plastic BrunelLike network for 1000 steps on the
// members at addrs and returns its spikes and events.
func runOnMembers(t *testing.T, dir string, addrs []string) testnets.Result {
	t.Helper()
	id, err := transport.LoadIdentity(dir, "coordinator")
	if err != nil {
		t.Fatal(err)
	}
	shards := map[string]int{"E": 3, "I": 2, "da": 1}
	g, err := workers.StartMembers(addrs, shards, workers.MembersOptions{Identity: id, Version: "test"})
	if err != nil {
		t.Fatal(err)
	}
	defer g.Stop()
	net, err := build(&network.Part{})
	if err != nil {
		t.Fatal(err)
	}
	e, err := actors.New(net, actors.Options{Shards: shards, Workers: g.Addresses, Identity: g.Identity, WorkerNames: g.Names})
	if err != nil {
		t.Fatal(err)
	}
	defer e.Close()
	if err := e.Run(1000); err != nil {
		t.Fatal(err)
	}
	r := testnets.NewResult()
	for _, p := range net.Populations {
		if r.Steps[p.Name], r.Elems[p.Name], err = e.Spikes(p.Name); err != nil {
			t.Fatal(err)
		}
	}
	if r.Events, err = e.Events(); err != nil {
		t.Fatal(err)
	}
	return r
}

// Two cluster members on their own loopback addresses, each holding a
// certificate of the cluster's authority, host a run each building only
// its part: the spikes and events are the sequential stepper's; they serve
// a second run after the first; a coordinator of another authority, and
// one of another version or message schema, are refused with a message
// naming the member.
func TestMembersServeRuns(t *testing.T) {
	dir := cluster(t, "node1", "node2", "coordinator")
	m1 := startMember(t, dir, "node1", "127.0.0.2")
	m2 := startMember(t, dir, "node2", "127.0.0.3")
	addrs := []string{m1.Addr(), m2.Addr()}
	whole, err := build(nil)
	if err != nil {
		t.Fatal(err)
	}
	want := testnets.Sequential(t, whole, 1000)
	want.Weights = nil
	for run := range 2 {
		got := runOnMembers(t, dir, addrs)
		got.Weights = nil
		testnets.Compare(t, "run "+string(rune('1'+run))+" on two members", want, got)
	}
	// Another authority's coordinator.
	other := cluster(t, "coordinator")
	oid, err := transport.LoadIdentity(other, "coordinator")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := workers.StartMembers(addrs, map[string]int{}, workers.MembersOptions{Identity: oid, Version: "test"}); err == nil ||
		!strings.Contains(err.Error(), "member at "+addrs[0]) {
		t.Errorf("a coordinator of another authority: %v", err)
	}
	// Another version.
	id, err := transport.LoadIdentity(dir, "coordinator")
	if err != nil {
		t.Fatal(err)
	}
	_, err = workers.StartMembers(addrs, map[string]int{}, workers.MembersOptions{Identity: id, Version: "other"})
	if err == nil || !strings.Contains(err.Error(), "member node1 at") || !strings.Contains(err.Error(), `runs version "test", this coordinator "other"`) {
		t.Errorf("a coordinator of another version: %v", err)
	}
	// Another message schema.
	_, err = workers.StartMembers(addrs, map[string]int{}, workers.MembersOptions{Identity: id, Version: "test", Schema: "0123456789abcdef"})
	if err == nil || !strings.Contains(err.Error(), "member node1 at") ||
		!strings.Contains(err.Error(), `speaks message schema "`+messages.Schema()+`", this coordinator "0123456789abcdef"`) {
		t.Errorf("a coordinator of another message schema: %v", err)
	}
}

// Place puts the costliest shards first, each where it leaves the least
// load per core: a member of three cores gets three times the work of a
// member of one.
func TestPlace(t *testing.T) {
	costs := []float64{4, 4, 4, 4, 2, 2, 2, 2}
	got := workers.Place(costs, []int{1, 3})
	load := []float64{0, 0}
	for g, w := range got {
		load[w] += costs[g]
	}
	if load[0] != 6 || load[1] != 18 {
		t.Errorf("placement %v: loads %v, want 6 and 18 (1:3)", got, load)
	}
	if got := workers.Place([]float64{1, 1, 1, 1}, []int{2, 2}); !slices.Equal(got, []int{0, 1, 0, 1}) {
		t.Errorf("equal shards on equal members: %v, want alternating", got)
	}
}

// With shard costs, the members' cores place the shards: the member that
// reports more cores hosts more of them, and the run still gives the
// sequential stepper's spikes.
func TestMembersPlacedByCores(t *testing.T) {
	dir := cluster(t, "node1", "node2", "coordinator")
	var addrs []string
	for i, c := range []int{1, 3} {
		name := []string{"node1", "node2"}[i]
		id, err := transport.LoadIdentity(dir, name)
		if err != nil {
			t.Fatal(err)
		}
		m, err := workers.ListenMember(workers.MemberOptions{Listen: "127.0.0.1:0", Identity: id, Version: "test", Cores: c,
			Recipe: func([]byte) (workers.Build, error) { return build, nil }})
		if err != nil {
			t.Fatal(err)
		}
		go func() { _ = m.Serve() }()
		t.Cleanup(m.Close)
		addrs = append(addrs, m.Addr())
	}
	id, err := transport.LoadIdentity(dir, "coordinator")
	if err != nil {
		t.Fatal(err)
	}
	shards := map[string]int{"E": 4, "I": 4, "da": 1}
	costs := []float64{200, 200, 200, 200, 50, 50, 50, 50, 1} // E's shards, I's, da
	g, err := workers.StartMembers(addrs, shards, workers.MembersOptions{Identity: id, Version: "test", Costs: costs})
	if err != nil {
		t.Fatal(err)
	}
	defer g.Stop()
	if !slices.Equal(g.Cores, []int{1, 3}) {
		t.Errorf("reported cores %v", g.Cores)
	}
	on := []int{0, 0}
	for _, w := range g.Placement {
		on[w]++
	}
	if on[1] <= on[0] {
		t.Errorf("placement %v: the member of 3 cores hosts %d shards, the member of 1 %d", g.Placement, on[1], on[0])
	}
	net, err := build(&network.Part{})
	if err != nil {
		t.Fatal(err)
	}
	e, err := actors.New(net, actors.Options{Shards: shards, Workers: g.Addresses, Identity: g.Identity, WorkerNames: g.Names, Placement: g.Placement})
	if err != nil {
		t.Fatal(err)
	}
	defer e.Close()
	if err := e.Run(1000); err != nil {
		t.Fatal(err)
	}
	whole, err := build(nil)
	if err != nil {
		t.Fatal(err)
	}
	want := testnets.Sequential(t, whole, 1000)
	got := testnets.NewResult()
	for _, p := range net.Populations {
		if got.Steps[p.Name], got.Elems[p.Name], err = e.Spikes(p.Name); err != nil {
			t.Fatal(err)
		}
	}
	if got.Events, err = e.Events(); err != nil {
		t.Fatal(err)
	}
	want.Weights = nil
	got.Weights = nil
	testnets.Compare(t, "placed by cores", want, got)
}

// PlaceWithin keeps each member within its memory: shards that the faster
// member would take go to the other when they would not fit; a shard that
// fits nowhere is an error saying so.
func TestPlaceWithinMemory(t *testing.T) {
	costs := []float64{4, 4, 4, 4}
	bytes := []int64{100 << 20, 100 << 20, 100 << 20, 100 << 20}
	got, err := workers.PlaceWithin(costs, bytes, []int{1, 3}, []int64{1 << 30, 150 << 20})
	if err != nil {
		t.Fatal(err)
	}
	on := []int{0, 0}
	for _, w := range got {
		on[w]++
	}
	if on[1] != 1 || on[0] != 3 {
		t.Errorf("placement %v: the member of 3 cores and 150 MiB holds %d shards of 100 MiB, want 1", got, on[1])
	}
	if unlimited := workers.Place(costs, []int{1, 3}); slices.Equal(unlimited, got) {
		t.Errorf("the memory changed nothing: %v", got)
	}
	if _, err := workers.PlaceWithin(costs, bytes, []int{1, 1}, []int64{150 << 20, 150 << 20}); err == nil || !strings.Contains(err.Error(), "no member has that much memory left") {
		t.Errorf("too little memory: %v", err)
	}
	if p, err := workers.PlaceWithin(costs, bytes, []int{1, 1}, []int64{0, 0}); err != nil || len(p) != 4 {
		t.Errorf("unknown memory: %v, %v", p, err)
	}
}

// A member that listens on every interface must say where its runs are
// reached (Advertise): its runs' shards then listen at that port and are
// announced at that address, run after run; without it the member is
// refused.
func TestMemberAdvertise(t *testing.T) {
	dir := cluster(t, "node1", "coordinator")
	id, err := transport.LoadIdentity(dir, "node1")
	if err != nil {
		t.Fatal(err)
	}
	recipe := func([]byte) (workers.Build, error) { return build, nil }
	if _, err := workers.ListenMember(workers.MemberOptions{Listen: "0.0.0.0:0", Identity: id, Version: "test", Recipe: recipe}); err == nil ||
		!strings.Contains(err.Error(), "every interface") || !strings.Contains(err.Error(), "--advertise") {
		t.Errorf("a member on every interface without an advertised address: %v", err)
	}
	for _, bad := range []string{"127.0.0.4", "127.0.0.4:0", ":7000", "127.0.0.4:70000"} {
		if _, err := workers.ListenMember(workers.MemberOptions{Listen: "127.0.0.4:0", Advertise: bad, Identity: id, Version: "test", Recipe: recipe}); err == nil ||
			!strings.Contains(err.Error(), "want HOST:PORT") {
			t.Errorf("advertised address %q: %v", bad, err)
		}
	}
	ln, err := net.Listen("tcp", "127.0.0.4:0")
	if err != nil {
		t.Fatal(err)
	}
	advertised := ln.Addr().String() // a port free a moment ago
	ln.Close()
	m, err := workers.ListenMember(workers.MemberOptions{Listen: "0.0.0.0:0", Advertise: advertised, Identity: id, Version: "test", Recipe: recipe})
	if err != nil {
		t.Fatal(err)
	}
	go func() { _ = m.Serve() }()
	t.Cleanup(m.Close)
	_, port, _ := net.SplitHostPort(m.Addr())
	control := "127.0.0.1:" + port
	cid, err := transport.LoadIdentity(dir, "coordinator")
	if err != nil {
		t.Fatal(err)
	}
	g, err := workers.StartMembers([]string{control}, map[string]int{"E": 2}, workers.MembersOptions{Identity: cid, Version: "test"})
	if err != nil {
		t.Fatal(err)
	}
	if len(g.Addresses) != 1 || g.Addresses[0] != advertised {
		t.Errorf("the member's shards are at %v, want the advertised %s", g.Addresses, advertised)
	}
	g.Stop()
	whole, err := build(nil)
	if err != nil {
		t.Fatal(err)
	}
	want := testnets.Sequential(t, whole, 1000)
	want.Weights = nil
	for run := range 2 {
		got := runOnMembers(t, dir, []string{control})
		got.Weights = nil
		testnets.Compare(t, fmt.Sprintf("run %d on a member reached at its advertised address", run+1), want, got)
	}
}
