package analysis

// record is what a format reads from one physical line. Slices point into
// the line and are valid only while it is.
type record struct {
	header  bool // the line carries the file's header: it starts an entry
	hasTime bool
	time    civil
	level   levelCode
	annot   bool // the level field holds an annotation word: the line adds to the entry before it
	levelAt int  // where the level field starts in the line
	comp    []byte
	head    []byte // the header text before the message
	tsEnd   int    // where the timestamp ends in head, 0 without one
	msg     []byte
	stack   []byte // a stack trace carried in a field of a structured line
}

// lineFormat reads records from lines; each detected format implements it.
type lineFormat interface {
	// read fills rec from line.
	read(line []byte, rec *record)
	// describe names the format for people, e.g. "json" or "text: ...".
	describe() string
	// hasLevels says whether the format carries levels at all; without
	// them, entries are only flagged error-like from their words.
	hasLevels() bool
	// clear says whether lines without the header continue the entry
	// before them.
	clear() bool
}
