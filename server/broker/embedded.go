package broker

import (
	"fmt"
	"log/slog"
	"path/filepath"
	"time"

	"github.com/nats-io/nats-server/v2/server"
)

// startEmbedded runs a NATS server with JetStream inside this process, storing
// at most o.StoreMax bytes under o.DataDir. It listens on no port unless
// o.EmbeddedListen is set: the chat server talks to it through an
// in-process pipe.
func startEmbedded(o Options) (*server.Server, error) {
	dir, listen := o.DataDir, o.EmbeddedListen
	opts := &server.Options{
		ServerName: "chat-embedded",
		JetStream:  true,
		// Refusing a message past the bound is recoverable; a disk that
		// fills up makes NATS switch JetStream off until a restart.
		JetStreamMaxStore: o.StoreMax,
		SyncAlways:        o.SyncAlways,
		SyncInterval:      o.SyncInterval,
		// Always a real store directory: without one JetStream writes to a
		// temporary folder and history is lost on restart.
		StoreDir: filepath.Join(dir, "nats"),
		NoSigs:   true,
		NoLog:    true,
	}
	if listen == "" {
		opts.DontListen = true
	} else {
		host, port, err := splitHostPort(listen)
		if err != nil {
			return nil, err
		}
		opts.Host, opts.Port = host, port
	}
	ns, err := server.NewServer(opts)
	if err != nil {
		return nil, fmt.Errorf("embedded NATS: %w", err)
	}
	ns.Start()
	if !ns.ReadyForConnections(30 * time.Second) {
		ns.Shutdown()
		return nil, fmt.Errorf("embedded NATS: not ready after 30s (store %s)", opts.StoreDir)
	}
	return ns, nil
}

// roomToGrow warns when the disk under the embedded store has less space
// left than the store may still take: when a disk fills, NATS switches
// JetStream off until a restart, which StoreMax exists to prevent.
func roomToGrow(ns *server.Server, dir string, storeMax int64, log *slog.Logger) {
	free, ok := diskFree(dir)
	if !ok {
		return
	}
	var used int64
	if info, err := ns.Jsz(&server.JSzOptions{}); err == nil {
		used = int64(info.Store)
	}
	if grow := storeMax - used; free < grow {
		log.Warn("the disk has less free space than the message store may take: lower -store-max or free space",
			"dir", dir, "free_bytes", free, "store_max_bytes", storeMax, "store_used_bytes", used)
	}
}
