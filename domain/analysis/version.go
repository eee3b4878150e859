package analysis

// Version names the engine's behaviour. It is stored with every event the
// worker derives from an analysis; bump it whenever the output for the same
// input changes (chunking, levels, templates, error group ids).
const Version = "2.6.0"
