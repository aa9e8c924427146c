//go:build ignore

// Generates cometbft_ed25519_vectors.txt.gz: ed25519 cases with the answer of CometBFT v0.38.26's own
// PubKey.VerifySignature (curve25519-voi with ZIP-215 rules), for tests/app/test_app_verifies_signatures_as_cometbft_does.py.
// The inputs are curve25519-voi's test data (ZIP-215 cases, the speccheck cases, a sample of ed25519vectors by
// flag set) plus tampered copies. Run it inside a writable copy of the cometbft module (its go.mod pins voi):
//
//	cp -r $(go env GOMODCACHE)/github.com/cometbft/cometbft@v0.38.26 /tmp/cmt && chmod -R u+w /tmp/cmt
//	mkdir /tmp/cmt/cmd/zipvec && cp generate_vectors.go /tmp/cmt/cmd/zipvec/main.go
//	(cd /tmp/cmt && GOFLAGS=-mod=mod GOPROXY=off go run ./cmd/zipvec/main.go) > vectors.json
//
// then convert vectors.json to lines "source accepted pubkey message signature" (hex) and gzip them.
package main

import (
	"compress/gzip"
	"encoding/hex"
	"encoding/json"
	"os"
	"sort"
	"strings"

	cmted "github.com/cometbft/cometbft/crypto/ed25519"
)

const voi = "/root/go/pkg/mod/github.com/oasisprotocol/curve25519-voi@v0.0.0-20220708102147-0a8a51822cae/primitives/ed25519/testdata/"

func load(name string, v interface{}) {
	f, err := os.Open(voi + name)
	if err != nil {
		panic(err)
	}
	z, err := gzip.NewReader(f)
	if err != nil {
		panic(err)
	}
	if err := json.NewDecoder(z).Decode(v); err != nil {
		panic(err)
	}
}

func unhex(s string) []byte {
	b, err := hex.DecodeString(s)
	if err != nil {
		panic(err)
	}
	return b
}

type out struct {
	Source string `json:"source"`
	PubKey string `json:"pubkey"`
	Msg    string `json:"message"`
	Sig    string `json:"signature"`
	Valid  bool   `json:"cometbft_accepts"`
}

func check(src string, pk, msg, sig []byte) out {
	ok := len(pk) == 32 && cmted.PubKey(pk).VerifySignature(msg, sig)
	return out{src, hex.EncodeToString(pk), hex.EncodeToString(msg), hex.EncodeToString(sig), ok}
}

func main() {
	var res []out
	var zip [][2]string
	load("zip215.json.gz", &zip)
	for _, c := range zip {
		res = append(res, check("zip215", unhex(c[0]), []byte("Zcash"), unhex(c[1])))
	}
	var spec []struct {
		Message   string `json:"message"`
		PubKey    string `json:"pub_key"`
		Signature string `json:"signature"`
	}
	load("speccheck_cases.json.gz", &spec)
	for _, c := range spec {
		res = append(res, check("speccheck", unhex(c.PubKey), unhex(c.Message), unhex(c.Signature)))
	}
	var vecs []struct {
		A, R, S, M string
		Flags      []string
	}
	load("ed25519vectors.json.gz", &vecs)
	seen := map[string]int{}
	for _, c := range vecs {
		flags := append([]string(nil), c.Flags...)
		sort.Strings(flags)
		key := strings.Join(flags, ",")
		if seen[key] >= 6 {
			continue
		}
		seen[key]++
		sig := append(unhex(c.R), unhex(c.S)...)
		res = append(res, check("ed25519vectors:"+key, unhex(c.A), []byte(c.M), sig))
	}
	// tampered copies: a flipped message bit, and S + L (the same scalar, not reduced)
	n := len(res)
	for i := 0; i < n; i += 4 {
		c := res[i]
		msg := unhex(c.Msg)
		msg = append(msg, 0)
		msg[0] ^= 1
		res = append(res, check("tampered-message", unhex(c.PubKey), msg, unhex(c.Sig)))
		sig := unhex(c.Sig)
		carry := 0
		l := unhex("edd3f55c1a631258d69cf7a2def9de1400000000000000000000000000000010")
		for j := 0; j < 32; j++ {
			v := int(sig[32+j]) + int(l[j]) + carry
			sig[32+j] = byte(v)
			carry = v >> 8
		}
		res = append(res, check("s-plus-l", unhex(c.PubKey), unhex(c.Msg), sig))
	}
	enc := json.NewEncoder(os.Stdout)
	enc.SetIndent("", " ")
	_ = enc.Encode(res)
}
