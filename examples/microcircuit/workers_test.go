package main

import (
	"encoding/json"
	"fmt"
	"os"
	"testing"

	"github.com/spiral-sim/spiral/network"
	"github.com/spiral-sim/spiral/workers"
)

// configEnv hands the configuration under test to the worker processes
// that -workers starts (copies of the test binary; see TestMain).
const configEnv = "MICROCIRCUIT_TEST_CONFIG"

// TestMain lets the test binary serve as a worker process of RunOn: it
// builds its part of the configuration the test put in configEnv.
func TestMain(m *testing.M) {
	if workers.Serving() {
		var c Config
		if err := json.Unmarshal([]byte(os.Getenv(configEnv)), &c); err != nil {
			fmt.Fprintln(os.Stderr, "microcircuit test worker:", err)
			os.Exit(2)
		}
		os.Exit(workers.Serve(func(part *network.Part) (*network.Network, error) { return BuildPart(c, part) }, workers.ServeOptions{}))
	}
	os.Exit(m.Run())
}

// setWorkerConfig makes the worker processes that RunOn starts build c.
func setWorkerConfig(t *testing.T, c Config) {
	t.Helper()
	b, err := json.Marshal(c)
	if err != nil {
		t.Fatal(err)
	}
	t.Setenv(configEnv, string(b))
}
