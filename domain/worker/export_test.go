package worker

// RecordAhead is how many analysed chunks may wait for their save.
const RecordAhead = recordAhead
