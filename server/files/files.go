// Package files keeps the files people attach to messages in the NATS
// Object Store (bucket chat_files), beside the messages, so that every node
// of a cluster serves every file and there is nothing else to run.
//
// A file is uploaded for a room (Put) and then named by the message that
// carries it (the server checks, on the send, that the file is the
// sender's and the room's, and marks it attached); it goes with that
// message's delete (Delete), and with the history's age (Sweep, with the
// is the history's). What a file is comes from its bytes (Sniff), never
// from the uploader's word. An image also gets a thumbnail, made under
// bounds on its pixels so that a small file that would decode to gigabytes
// is refused, not decoded.
//
// All methods of a Store may be called concurrently.
package files

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"time"

	"github.com/nats-io/nats.go/jetstream"

	"chat/wire"
)

const (
	// Bucket is the Object Store bucket of the files.
	Bucket = "chat_files"
	// UsageBucket is the KV bucket of how many bytes each person keeps.
	UsageBucket = "chat_file_usage"
	// thumbSuffix names a file's thumbnail object.
	thumbSuffix = ".thumb"
)

// Options are a Store's bounds; nil or zero fields take the defaults.
type Options struct {
	// MaxFile bounds one file's bytes; 25 MiB.
	MaxFile int64
	// MaxPerPerson bounds the bytes one person's files keep; 1 GiB.
	MaxPerPerson int64
	// MaxTotal bounds the bucket; 10 GiB. NATS refuses a file past it.
	MaxTotal int64
	// MaxPixels bounds an image's width times height; 40 million.
	MaxPixels int
	// TTL is how long a file is kept; the history's age (0: forever).
	// Sweep deletes a file past it, and takes it off its owner's usage;
	// the bucket's own age limit is a day longer, only a backstop: what
	// NATS drops by age leaves no trace to take off the usage by.
	TTL time.Duration
	// Replicas of the buckets; 1.
	Replicas int
	// Concurrent bounds the uploads a node takes in at once (each holds
	// up to MaxFile bytes in memory while it is checked); 4.
	Concurrent int
}

func (o *Options) withDefaults() Options {
	var v Options
	if o != nil {
		v = *o
	}
	if v.MaxFile <= 0 {
		v.MaxFile = 25 << 20
	}
	if v.MaxPerPerson <= 0 {
		v.MaxPerPerson = 1 << 30
	}
	if v.MaxTotal <= 0 {
		v.MaxTotal = 10 << 30
	}
	if v.MaxPixels <= 0 {
		v.MaxPixels = 40_000_000
	}
	v.Replicas = max(v.Replicas, 1)
	if v.Concurrent <= 0 {
		v.Concurrent = 4
	}
	return v
}

// Store is the files of every room.
type Store struct {
	obj   jetstream.ObjectStore
	usage jetstream.KeyValue
	opts  Options
	slots chan struct{} // one per upload being taken in
}

// Open creates the buckets if they are missing.
func Open(ctx context.Context, js jetstream.JetStream, o *Options) (*Store, error) {
	opts := o.withDefaults()
	obj, err := js.CreateOrUpdateObjectStore(ctx, jetstream.ObjectStoreConfig{
		Bucket: Bucket, Description: "chat attachments and their thumbnails",
		TTL: bucketTTL(opts.TTL), MaxBytes: opts.MaxTotal, Storage: jetstream.FileStorage, Replicas: opts.Replicas,
	})
	if err != nil {
		return nil, fmt.Errorf("object store %s: %w", Bucket, err)
	}
	usage, err := js.CreateOrUpdateKeyValue(ctx, jetstream.KeyValueConfig{
		Bucket: UsageBucket, Description: "bytes of files each person keeps", History: 1,
		Storage: jetstream.FileStorage, Replicas: opts.Replicas,
	})
	if err != nil {
		return nil, fmt.Errorf("KV bucket %s: %w", UsageBucket, err)
	}
	return &Store{obj: obj, usage: usage, opts: opts, slots: make(chan struct{}, opts.Concurrent)}, nil
}

// expiryMargin is how much longer the bucket keeps a file than Sweep
// does: the sweeps of a day may fail before a file leaves unaccounted.
const expiryMargin = 24 * time.Hour

// bucketTTL is the bucket's age limit for files kept ttl (0: forever).
func bucketTTL(ttl time.Duration) time.Duration {
	if ttl <= 0 {
		return 0
	}
	return ttl + expiryMargin
}

// Limits are the store's bounds, for the API to say.
func (s *Store) Limits() Options { return s.opts }

// Info is what the store knows of a file: who uploaded it, for which
// room, and the message that carries it (0 until one does).
type Info struct {
	wire.File
	Room, Owner string
	Seq         uint64
	Created     time.Time
}

// Errors a caller tells people about.
var (
	ErrNotFound  = errors.New("no such file")
	ErrTooBig    = errors.New("file too big")
	ErrQuota     = errors.New("quota used up")
	ErrFull      = errors.New("file store full")
	ErrBadImage  = errors.New("image refused")
	ErrBusy      = errors.New("too many uploads at once")
	ErrEmptyFile = errors.New("empty file")
)

// metadata keys of a file object.
const (
	mdRoom, mdOwner, mdName, mdType = "room", "owner", "name", "type"
	mdW, mdH, mdTW, mdTH, mdSeq     = "w", "h", "tw", "th", "seq"
	mdAt                            = "at" // when it was uploaded, unix seconds (an update of its metadata moves ModTime)
)

// Stat reads a file's description.
func (s *Store) Stat(ctx context.Context, id string) (Info, error) {
	if !validID(id) {
		return Info{}, ErrNotFound
	}
	oi, err := s.obj.GetInfo(ctx, id)
	if errors.Is(err, jetstream.ErrObjectNotFound) {
		return Info{}, ErrNotFound
	}
	if err != nil {
		return Info{}, err
	}
	return infoOf(oi), nil
}

func infoOf(oi *jetstream.ObjectInfo) Info {
	md := oi.Metadata
	num := func(k string) int { n, _ := strconv.Atoi(md[k]); return n }
	seq, _ := strconv.ParseUint(md[mdSeq], 10, 64)
	created := oi.ModTime
	if at, err := strconv.ParseInt(md[mdAt], 10, 64); err == nil {
		created = time.Unix(at, 0)
	}
	return Info{
		File: wire.File{ID: oi.Name, Name: md[mdName], Type: md[mdType], Size: int64(oi.Size),
			W: num(mdW), H: num(mdH), TW: num(mdTW), TH: num(mdTH)},
		Room: md[mdRoom], Owner: md[mdOwner], Seq: seq, Created: created,
	}
}

// Attach marks a file as carried by the message seq; a file carried
// already is not attached again (one file, one message).
func (s *Store) Attach(ctx context.Context, id string, seq uint64) error {
	oi, err := s.obj.GetInfo(ctx, id)
	if err != nil {
		return err
	}
	if oi.Metadata[mdSeq] != "" {
		return fmt.Errorf("file %s is attached to message %s already", id, oi.Metadata[mdSeq])
	}
	meta := oi.ObjectMeta
	meta.Metadata[mdSeq] = strconv.FormatUint(seq, 10)
	return s.obj.UpdateMeta(ctx, id, meta)
}

// Delete takes a file and its thumbnail out of the store, and its bytes
// off its owner's usage. A file already gone is no error.
func (s *Store) Delete(ctx context.Context, id string) error {
	in, err := s.Stat(ctx, id)
	if errors.Is(err, ErrNotFound) {
		return nil
	}
	if err != nil {
		return err
	}
	if err := s.obj.Delete(ctx, id); err != nil && !errors.Is(err, jetstream.ErrObjectNotFound) {
		return err
	}
	if in.TW > 0 {
		if err := s.obj.Delete(ctx, id+thumbSuffix); err != nil && !errors.Is(err, jetstream.ErrObjectNotFound) {
			return err
		}
	}
	return s.addUsage(ctx, in.Owner, -in.Size)
}

// Usage is how many bytes of files user keeps.
func (s *Store) Usage(ctx context.Context, user string) (int64, error) {
	n, _, err := s.readUsage(ctx, user)
	return n, err
}

func (s *Store) readUsage(ctx context.Context, user string) (n int64, rev uint64, err error) {
	e, err := s.usage.Get(ctx, usageKey(user))
	if errors.Is(err, jetstream.ErrKeyNotFound) {
		return 0, 0, nil
	}
	if err != nil {
		return 0, 0, err
	}
	n, _ = strconv.ParseInt(string(e.Value()), 10, 64)
	return n, e.Revision(), nil
}

// addUsage changes user's usage by n bytes, or refuses (ErrQuota) when
// that would pass the bound; a compare-and-set, so that two uploads at
// once on two nodes both count.
func (s *Store) addUsage(ctx context.Context, user string, n int64) error {
	for {
		cur, rev, err := s.readUsage(ctx, user)
		if err != nil {
			return err
		}
		next := max(cur+n, 0)
		if n > 0 && next > s.opts.MaxPerPerson {
			return ErrQuota
		}
		val := []byte(strconv.FormatInt(next, 10))
		if rev == 0 {
			_, err = s.usage.Create(ctx, usageKey(user), val)
		} else {
			_, err = s.usage.Update(ctx, usageKey(user), val, rev)
		}
		if err == nil {
			return nil
		}
		if !errors.Is(err, jetstream.ErrKeyExists) && !isWrongLastSequence(err) {
			return err
		}
	}
}

func isWrongLastSequence(err error) bool {
	var apiErr *jetstream.APIError
	return errors.As(err, &apiErr) && apiErr.ErrorCode == jetstream.JSErrCodeStreamWrongLastSequence
}

// usageKey is a KV key for a user id (ids are letters, digits, '-').
func usageKey(user string) string { return "u." + user }

// validID says whether id can be a file's id (newID's form), so that a
// request names no other object (a thumbnail, a path).
func validID(id string) bool {
	if len(id) != idLen {
		return false
	}
	for _, c := range id {
		if !('a' <= c && c <= 'z' || '0' <= c && c <= '9') {
			return false
		}
	}
	return true
}

// Unsent is how long a file uploaded for a message that was never sent
// is kept (a tab closed mid-compose) before Sweep takes it away.
const Unsent = 24 * time.Hour

// Sweep deletes the files no message carries that were uploaded more than
// Unsent before now, and every file older than TTL (its message is gone
// with the history's age), with their thumbnails and from their owners'
// usage; it returns how many went. Every node may sweep: a delete of what
// another node deleted is no error.
func (s *Store) Sweep(ctx context.Context, now time.Time) (int, error) {
	infos, err := s.obj.List(ctx)
	if errors.Is(err, jetstream.ErrNoObjectsFound) {
		return 0, nil
	}
	if err != nil {
		return 0, err
	}
	n := 0
	for _, oi := range infos {
		if !validID(oi.Name) {
			continue // a thumbnail: it goes with its file
		}
		age := now.Sub(infoOf(oi).Created)
		unsent := oi.Metadata[mdSeq] == "" && age >= Unsent
		if !unsent && (s.opts.TTL <= 0 || age < s.opts.TTL) {
			continue
		}
		if err := s.Delete(ctx, oi.Name); err != nil {
			return n, err
		}
		n++
	}
	return n, nil
}

// RunSweeps sweeps every `every` until ctx ends, telling failed of a
// sweep that failed.
func (s *Store) RunSweeps(ctx context.Context, every time.Duration, failed func(error)) {
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case now := <-t.C:
			if _, err := s.Sweep(ctx, now); err != nil && ctx.Err() == nil {
				failed(err)
			}
		}
	}
}
