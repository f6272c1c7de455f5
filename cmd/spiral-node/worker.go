package main

import (
	"bytes"
	"flag"
	"fmt"
	"io"

	"go.uber.org/zap"
	"go.uber.org/zap/zapcore"

	"github.com/spiral-sim/spiral/workers"
)

// logger writes warnings and errors to w (stderr), for the engine and
// protoactor, each line prefixed with the program's name.
func logger(w io.Writer, level zapcore.Level) *zap.Logger {
	enc := zap.NewDevelopmentEncoderConfig()
	core := zapcore.NewCore(zapcore.NewConsoleEncoder(enc), zapcore.AddSync(prefixed{w, "spiral-node: "}), level)
	return zap.New(core)
}

// logLevel is the --log-level flag: the least level of the lines logged
// (debug, info, warn or error; default warn).
type logLevel struct{ zapcore.Level }

func newLogLevel() *logLevel { return &logLevel{zapcore.WarnLevel} }

// Set implements flag.Value.
func (l *logLevel) Set(s string) error {
	switch s {
	case "debug", "info", "warn", "error":
		return l.Level.Set(s)
	}
	return fmt.Errorf("want debug, info, warn or error")
}

// logLevelUsage is the --log-level flag's help.
const logLevelUsage = "the least level of the log lines on stderr: debug, info, warn or error"

// prefixed writes every line written to it to w, prefixed. zap writes
// one entry per call, so a line is never split between calls.
type prefixed struct {
	w      io.Writer
	prefix string
}

// Write implements io.Writer.
func (p prefixed) Write(b []byte) (int, error) {
	n := len(b)
	var buf []byte
	for len(b) > 0 {
		line := b
		if i := bytes.IndexByte(b, '\n'); i >= 0 {
			line = b[:i+1]
		}
		buf = append(append(buf, p.prefix...), line...)
		b = b[len(line):]
	}
	_, err := p.w.Write(buf)
	if err != nil {
		return 0, err
	}
	return n, nil
}

// runWorker is the worker command that run --workers starts (package
// workers): its assignment, on its standard input, carries the model (a
// messages.Recipe: a model file — a built-in model's as modelfile.Write
// writes it — and the seed; see loadRecipe), and it serves its part of it
// until its input closes.
func runWorker(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("worker", flag.ContinueOnError)
	fs.SetOutput(stderr)
	listen := fs.String("listen", "127.0.0.1:0", "remote address")
	level := newLogLevel()
	fs.Var(level, "log-level", logLevelUsage)
	fs.Usage = func() {
		fmt.Fprintln(fs.Output(), "usage: spiral-node worker [--listen HOST:PORT] [--log-level L] (started by run --workers, which hands it its assignment, model and identity on its standard input)")
		fs.PrintDefaults()
	}
	if code := parseFlags(fs, args, "spiral-node worker", stdout, stderr); code >= 0 {
		return code
	}
	if fs.NArg() > 0 {
		fmt.Fprintf(stderr, "spiral-node worker: unexpected arguments %q (the model comes with the assignment on standard input)\n", fs.Args())
		return 2
	}
	return workers.Serve(nil, workers.ServeOptions{Listen: *listen, Logger: logger(stderr, level.Level), Stdout: stdout, Stderr: stderr,
		Name: "spiral-node worker", Recipe: loadRecipe})
}
