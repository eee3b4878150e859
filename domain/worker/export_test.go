package worker

// RecordAhead is how many analysed chunks may wait for their save.
const RecordAhead = recordAhead

// TurnsHeld counts the jobs whose tasks this handler runs now.
func (h *Handler) TurnsHeld() int {
	h.writers.mu.Lock()
	defer h.writers.mu.Unlock()
	return len(h.writers.jobs)
}
