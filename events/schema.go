package events

import (
	"encoding/json"
	"fmt"

	gojson "github.com/goccy/go-json"
	"github.com/google/uuid"
)

// Payload is the data of an event at its type's current schema version.
type Payload interface {
	// EventType returns the stable type string stored with the event.
	EventType() string
}

// EventType implements Payload.
func (JobSubmitted) EventType() string { return TypeJobSubmitted }

// EventType implements Payload.
func (JobStarted) EventType() string { return TypeJobStarted }

// EventType implements Payload.
func (LinesParsed) EventType() string { return TypeLinesParsed }

// EventType implements Payload.
func (ErrorsDetected) EventType() string { return TypeErrorsDetected }

// EventType implements Payload.
func (JobCompleted) EventType() string { return TypeJobCompleted }

// EventType implements Payload.
func (JobFailed) EventType() string { return TypeJobFailed }

// EventType implements Payload.
func (UploadCompleted) EventType() string { return TypeUploadCompleted }

// EventType implements Payload.
func (JobPlanned) EventType() string { return TypeJobPlanned }

// EventType implements Payload.
func (PartCompleted) EventType() string { return TypePartCompleted }

// EventType implements Payload.
func (GroupsJoined) EventType() string { return TypeGroupsJoined }

// schema is what the code knows of one event type: the version it writes and
// how to make an empty payload to decode into.
type schema struct {
	version int
	empty   func() Payload
}

var schemas = map[string]schema{
	TypeJobSubmitted:    {1, func() Payload { return &JobSubmitted{} }},
	TypeJobStarted:      {1, func() Payload { return &JobStarted{} }},
	TypeLinesParsed:     {2, func() Payload { return &LinesParsed{} }},
	TypeErrorsDetected:  {1, func() Payload { return &ErrorsDetected{} }},
	TypeJobCompleted:    {1, func() Payload { return &JobCompleted{} }},
	TypeJobFailed:       {1, func() Payload { return &JobFailed{} }},
	TypeJobPlanned:      {1, func() Payload { return &JobPlanned{} }},
	TypePartCompleted:   {1, func() Payload { return &PartCompleted{} }},
	TypeGroupsJoined:    {1, func() Payload { return &GroupsJoined{} }},
	TypeUploadCompleted: {1, func() Payload { return &UploadCompleted{} }},
}

// SchemaVersion returns the schema version the code writes for an event
// type, or 0 for a type it does not know.
func SchemaVersion(eventType string) int { return schemas[eventType].version }

// New encodes a payload as an event with the given id at its type's current
// schema version. Every string the event holds is made storable: a NUL
// becomes U+FFFD (see storable.go), so any bytes a log holds can be stored.
func New(id uuid.UUID, p Payload, md Metadata) (Event, error) {
	typ := p.EventType()
	s, ok := schemas[typ]
	if !ok {
		return Event{}, fmt.Errorf("new event: unknown type %q", typ)
	}
	data, err := json.Marshal(p)
	if err != nil {
		return Event{}, fmt.Errorf("encode %s: %w", typ, err)
	}
	return Event{ID: id, Type: typ, SchemaVersion: s.version, Data: storableJSON(data), Metadata: md.storable()}, nil
}

// Decode upcasts an event to its type's current schema version and decodes
// its data. The payload is a pointer to the type's struct, such as
// *LinesParsed.
func Decode(e Event) (Payload, error) {
	s, ok := schemas[e.Type]
	if !ok {
		return nil, fmt.Errorf("decode event %s: unknown type %q", e.ID, e.Type)
	}
	data, err := upcast(e.Type, e.SchemaVersion, s.version, e.Data)
	if err != nil {
		return nil, fmt.Errorf("decode event %s: %w", e.ID, err)
	}
	p := s.empty()
	if err := unmarshal(data, p); err != nil {
		return nil, fmt.Errorf("decode event %s (%s v%d): %w", e.ID, e.Type, e.SchemaVersion, err)
	}
	return p, nil
}

// unmarshal decodes event data. Replaying the log decodes every event, and
// goccy/go-json (already in the build through the JWT library) does it about
// three times faster than encoding/json, with the same results for these
// types (TestDecodersAgree).
func unmarshal(data []byte, v any) error { return gojson.Unmarshal(data, v) }

// DecodeMetadata decodes stored metadata, as fast as event data.
func DecodeMetadata(data []byte) (Metadata, error) {
	var m Metadata
	err := unmarshal(data, &m)
	return m, err
}

// DeterministicID derives an event id from the stream and a key that names
// the fact, such as "chunk-3/LinesParsed". Writers that may run twice use it
// so that a repeated append is recognised as the same event.
func DeterministicID(streamID, key string) uuid.UUID {
	return uuid.NewSHA1(idNamespace, []byte(streamID+"/"+key))
}

// idNamespace is the UUIDv5 namespace of Log Processor's event ids.
var idNamespace = uuid.MustParse("6f1b7c1e-4a63-4d55-9a0e-3b1c2e7d9f10")

// DecodeBrief is Decode for a writer that decides commands: a LinesParsed
// comes without its timeline, keywords, components and addresses, which
// only the read models use. Those are most of a chunk's event (a minute
// per entry of its timeline), and skipping them makes folding a job's
// stream several times cheaper. Other types decode whole.
func DecodeBrief(e Event) (Payload, error) {
	if e.Type != TypeLinesParsed {
		return Decode(e)
	}
	data, err := upcast(e.Type, e.SchemaVersion, schemas[e.Type].version, e.Data)
	if err != nil {
		return nil, fmt.Errorf("decode event %s: %w", e.ID, err)
	}
	var b briefLinesParsed
	if err := unmarshal(data, &b); err != nil {
		return nil, fmt.Errorf("decode event %s (%s v%d): %w", e.ID, e.Type, e.SchemaVersion, err)
	}
	return &b.LinesParsed, nil
}

// briefLinesParsed shadows the fields of LinesParsed that DecodeBrief
// skips: a field of the outer struct takes the JSON name from the
// embedded one.
type briefLinesParsed struct {
	LinesParsed
	Timeline   skipped `json:"timeline"`
	Keywords   skipped `json:"keywords"`
	Components skipped `json:"components"`
	IPs        skipped `json:"ips"`
}

// skipped is a JSON value that is read past and kept nowhere.
type skipped struct{}

// UnmarshalJSON implements json.Unmarshaler.
func (*skipped) UnmarshalJSON([]byte) error { return nil }
