// Package progress reports how a run advances: simulated time, wall time,
// real-time factor and the estimated time left — as a bar redrawn in place
// on a terminal, as plain periodic lines otherwise, or not at all.
package progress

import (
	"fmt"
	"io"
	"os"
	"strings"
	"sync"
	"time"
)

// Reporter prints the progress of one run. Its methods may be called from
// any goroutine.
type Reporter struct {
	mu       sync.Mutex
	w        io.Writer
	tty      bool
	total    int64   // steps of the run
	from     int64   // the step it started from (a resumed run)
	dtMs     float64 // step
	start    time.Time
	last     time.Time
	every    time.Duration
	printed  bool
	finished bool
	now      func() time.Time
}

// New returns a reporter for a run of total steps of dt ms writing to w. A
// terminal (a character device) gets a bar redrawn every 0.2 s; anything
// else a line every 5 s. A nil w reports nothing.
func New(w io.Writer, total int64, dtMs float64) *Reporter {
	r := &Reporter{w: w, total: total, dtMs: dtMs, now: time.Now, every: 5 * time.Second}
	if f, ok := w.(*os.File); ok {
		if fi, err := f.Stat(); err == nil && fi.Mode()&os.ModeCharDevice != 0 {
			r.tty, r.every = true, 200*time.Millisecond
		}
	}
	r.start = r.now()
	r.last = r.start
	return r
}

// Update reports that the run has computed step steps (of total).
func (r *Reporter) Update(steps int64) {
	if r == nil || r.w == nil {
		return
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	now := r.now()
	if r.finished || now.Sub(r.last) < r.every {
		return
	}
	r.last = now
	r.print(steps, now)
}

// Done reports the end of the run.
func (r *Reporter) Done(steps int64) {
	if r == nil || r.w == nil {
		return
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.finished {
		return
	}
	r.finished = true
	if !r.printed {
		return // too short to have shown anything
	}
	r.print(steps, r.now())
	if r.tty {
		fmt.Fprintln(r.w)
	}
}

// Line formats the progress of steps at wall time wall: simulated and wall
// time, real-time factor (wall / simulated) and the time left at that
// pace.
func Line(steps, total int64, dtMs float64, wall time.Duration) string {
	sim := float64(steps) * dtMs / 1000
	frac := 0.0
	if total > 0 {
		frac = float64(steps) / float64(total)
	}
	rtf, eta := "-", "-"
	if sim > 0 {
		rtf = fmt.Sprintf("%.2f", wall.Seconds()/sim)
	}
	if steps > 0 && steps < total {
		left := time.Duration(float64(wall) * float64(total-steps) / float64(steps))
		eta = left.Round(time.Second).String()
	} else if steps >= total {
		eta = "0s"
	}
	return fmt.Sprintf("%5.1f%%  simulated %.3f s of %.3f s  wall %s  real-time factor %s  left %s",
		100*frac, sim, float64(total)*dtMs/1000, wall.Round(100*time.Millisecond), rtf, eta)
}

// From says that the run starts at step from (a run resumed from a
// checkpoint), of the same total: the rates and the time left count from
// there.
func (r *Reporter) From(from int64) {
	if r == nil {
		return
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	r.from = from
}

// Note prints msg on a line of its own (below the bar, on a terminal).
func (r *Reporter) Note(msg string) {
	if r == nil || r.w == nil {
		return
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.tty && r.printed {
		fmt.Fprint(r.w, "\r\033[K")
	}
	fmt.Fprintln(r.w, msg)
}

func (r *Reporter) print(steps int64, now time.Time) {
	line := Line(steps-r.from, r.total-r.from, r.dtMs, now.Sub(r.start))
	r.printed = true
	if !r.tty {
		fmt.Fprintln(r.w, line)
		return
	}
	const width = 24
	filled := 0
	if r.total > r.from {
		filled = int(width * (steps - r.from) / (r.total - r.from))
	}
	filled = min(max(filled, 0), width)
	fmt.Fprintf(r.w, "\r[%s%s] %s", strings.Repeat("#", filled), strings.Repeat(".", width-filled), line)
}
