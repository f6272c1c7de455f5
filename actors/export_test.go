package actors

// SetActuationPart sets the most samples one actuation message to a
// worker-hosted shard carries, so that tests cut small actuations into
// parts. Call it before the first run.
func (e *Engine) SetActuationPart(n int) { e.actuationPart = n }
