package broker

import (
	"fmt"
	"path/filepath"
	"time"

	"github.com/nats-io/nats-server/v2/server"
)

// startEmbedded runs a NATS server with JetStream inside this process, storing
// under dir. It listens on no port unless listen is set: the chat server
// talks to it through an in-process pipe.
func startEmbedded(dir, listen string) (*server.Server, error) {
	opts := &server.Options{
		ServerName: "chat-embedded",
		JetStream:  true,
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
