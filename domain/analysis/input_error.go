package analysis

// InputError says the input itself cannot be analysed - it is binary, a
// gzip bomb, corrupt gzip - so retrying will not help. Analyze and Parse
// return it (check with errors.As); Reason is a sentence for a user.
type InputError struct {
	Reason string
}

// Error returns the reason.
func (e *InputError) Error() string { return e.Reason }

// refuse returns an *InputError with the given reason.
func refuse(reason string) error { return &InputError{Reason: reason} }
