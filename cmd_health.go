//go:build !js

package main

import (
	"flag"
	"fmt"
	"io"
	"net/http"
	"time"
)

// healthCmd waits until every URL's /healthz answers 200: scripts (make
// cluster, deploy checks) use it instead of curl, which a fresh machine may
// not have.
func healthCmd(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("health", flag.ContinueOnError)
	fs.SetOutput(stderr)
	wait := fs.Duration("wait", 10*time.Second, "how long to keep trying")
	if err := fs.Parse(args); err != nil {
		return 2
	}
	if fs.NArg() == 0 {
		fmt.Fprintln(stderr, "usage: chat health [-wait 10s] http://host:port ...")
		return 2
	}
	hc := &http.Client{Timeout: 2 * time.Second}
	deadline := time.Now().Add(*wait)
	for _, base := range fs.Args() {
		for {
			err := probe(hc, base+"/healthz")
			if err == nil {
				fmt.Fprintln(stdout, base, "healthy")
				break
			}
			if time.Now().After(deadline) {
				fmt.Fprintln(stderr, base, "not healthy:", err)
				return 1
			}
			time.Sleep(100 * time.Millisecond)
		}
	}
	return 0
}

func probe(hc *http.Client, url string) error {
	res, err := hc.Get(url)
	if err != nil {
		return err
	}
	defer res.Body.Close()
	if res.StatusCode != http.StatusOK {
		body, _ := io.ReadAll(io.LimitReader(res.Body, 512))
		return fmt.Errorf("%s: %s", res.Status, body)
	}
	return nil
}
