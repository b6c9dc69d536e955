//go:build !js

package main

import (
	"flag"
	"fmt"
	"io"
	"strings"

	"chat/doctor"
)

func doctorCmd(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("doctor", flag.ContinueOnError)
	fs.SetOutput(stderr)
	clients := fs.Int("clients", 10000, "connections to check for")
	role := fs.String("role", "server", "server (accepts the connections) or client (opens them, as chat bench does)")
	perConn := fs.Float64("kb-per-conn", 0, "the process's memory per connection in KB (default: what make bench measures: 12 for the server, 10 for the bench client)")
	asJSON := fs.Bool("json", false, "print one JSON object")
	public := fs.Bool("public", false, "also check what a server on a public address needs: ports 443 and 80, the clock, and the certificate (with -tls-cert)")
	cert := fs.String("tls-cert", "", "the certificate file chat serve will use: readable, valid for -domain, not about to expire")
	key := fs.String("tls-key", "", "its private key file")
	domains := fs.String("domain", "", "the names clients use, comma separated (as -acme-domain)")
	if err := fs.Parse(args); err != nil {
		return 2
	}
	if *role != string(doctor.Server) && *role != string(doctor.Client) {
		fmt.Fprintf(stderr, "chat doctor: -role is server or client, not %q\n", *role)
		return 2
	}
	if *clients <= 0 {
		fmt.Fprintln(stderr, "chat doctor: -clients must be positive")
		return 2
	}
	r := doctor.Run(doctor.Live, doctor.Options{Clients: *clients, Role: doctor.Role(*role), KBPerConn: *perConn})
	if *public || *cert != "" || *domains != "" {
		var names []string
		for _, d := range strings.Split(*domains, ",") {
			if d = strings.TrimSpace(d); d != "" {
				names = append(names, d)
			}
		}
		r.Add(doctor.Public(doctor.PublicOptions{CertFile: *cert, KeyFile: *key, Names: names})...)
	}
	if *asJSON {
		_ = r.WriteJSON(stdout)
	} else {
		r.WriteText(stdout)
	}
	if !r.OK {
		return 1
	}
	return 0
}
