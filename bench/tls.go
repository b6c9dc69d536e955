package bench

import (
	"crypto/tls"
	"crypto/x509"
	"fmt"
	"net/http"
	"os"
)

// caFile is the PEM file of the CA the clients trust for wss:// and
// https:// ("" : the system's), kept to hand to worker processes.
var caFile string

// clientTLS is the TLS configuration of every client and trigger.
var clientTLS = &tls.Config{}

// TrustCA makes the clients trust the CA (or self-signed certificate) in
// the PEM file, for a server on loopback with a certificate made for the
// run. Call it before any load.
func TrustCA(file string) error {
	data, err := os.ReadFile(file)
	if err != nil {
		return err
	}
	pool := x509.NewCertPool()
	if !pool.AppendCertsFromPEM(data) {
		return fmt.Errorf("%s: no PEM certificate", file)
	}
	caFile, clientTLS = file, &tls.Config{RootCAs: pool}
	return nil
}

// httpTransport is the transport of the load's HTTP clients (triggers,
// stats), with the clients' TLS configuration.
func httpTransport(maxIdle int) *http.Transport {
	return &http.Transport{MaxIdleConnsPerHost: maxIdle, TLSClientConfig: clientTLS}
}
