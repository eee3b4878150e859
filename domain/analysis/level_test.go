package analysis

import "testing"

func TestNormalizeLevel(t *testing.T) {
	tests := map[string]Level{
		"INFO": LevelInfo, "info": LevelInfo, "Info": LevelInfo, "[notice]": LevelInfo, "I": LevelInfo, "<information>": LevelInfo,
		"WARNING": LevelWarn, "warn:": LevelWarn, "W": LevelWarn,
		"error": LevelError, "ERR": LevelError, "SEVERE": LevelError, "E": LevelError,
		"FATAL": LevelFatal, "crit": LevelFatal, "emerg": LevelFatal, "CRITICAL": LevelFatal, "alert": LevelFatal, "F": LevelFatal,
		"DEBUG": LevelDebug, "d": LevelDebug, "fine": LevelDebug,
		"TRACE": LevelTrace, "verbose": LevelTrace, "V": LevelTrace, "finest": LevelTrace,
		"combo": LevelNone, "": LevelNone, "information-x": LevelNone,
	}
	for in, want := range tests {
		if got := NormalizeLevel(in); got != want {
			t.Errorf("NormalizeLevel(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestLevelFromNumber(t *testing.T) {
	tests := []struct {
		n    int64
		want Level
	}{{10, LevelTrace}, {20, LevelDebug}, {30, LevelInfo}, {40, LevelWarn}, {50, LevelError}, {60, LevelFatal}, {0, LevelNone}}
	for _, tt := range tests {
		if got := levelFromNumber(tt.n).Level(); got != tt.want {
			t.Errorf("levelFromNumber(%d) = %q, want %q", tt.n, got, tt.want)
		}
	}
}
