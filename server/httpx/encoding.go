package httpx

import (
	"strconv"
	"strings"
)

// chooseEncoding picks, of the content codings the server has (offered,
// most preferred first), the one the client weighs highest in its
// Accept-Encoding header, the server's order breaking a tie; "" is the
// identity. A coding the client does not name is acceptable only through
// "*", and any weight of 0 (q=0, q=0.000) refuses it. An absent or empty
// header gets the identity. When the client refuses the identity too, it
// still gets it: a page that loads slowly beats a 406.
func chooseEncoding(acceptEncoding string, offered []string) string {
	if acceptEncoding == "" || len(offered) == 0 {
		return ""
	}
	weights := map[string]float64{}
	for _, part := range strings.Split(acceptEncoding, ",") {
		name, params, _ := strings.Cut(part, ";")
		name = strings.ToLower(strings.TrimSpace(name))
		if name == "" {
			continue
		}
		if name == "x-gzip" { // the same coding (RFC 9110, 8.4.1.3)
			name = "gzip"
		}
		q, ok := qValue(params)
		if !ok {
			continue // a malformed entry is left out rather than guessed at
		}
		weights[name] = q
	}
	best, bestQ := "", 0.0
	for _, enc := range offered {
		q, named := weights[enc]
		if !named {
			q = weights["*"] // 0 when there is no "*"
		}
		if q > bestQ {
			best, bestQ = enc, q
		}
	}
	return best
}

// qValue reads the weight among an Accept-Encoding entry's parameters
// ("q=0.5"); without one the weight is 1.
func qValue(params string) (float64, bool) {
	for _, p := range strings.Split(params, ";") {
		k, v, _ := strings.Cut(strings.TrimSpace(p), "=")
		if !strings.EqualFold(strings.TrimSpace(k), "q") {
			continue
		}
		q, err := strconv.ParseFloat(strings.TrimSpace(v), 64)
		if err != nil || q < 0 || q > 1 {
			return 0, false
		}
		return q, true
	}
	return 1, true
}
