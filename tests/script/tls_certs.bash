# Test certificates made with openssl at test time (no key is committed):
#   tls_make_ca DIR                 DIR/ca.pem, DIR/ca.key: "ZWS Test CA"
#   tls_make_server DIR NAME SERIAL DIR/NAME.pem (the server certificate for
#                                   localhost and 127.0.0.1, signed by the CA,
#                                   serial SERIAL in hex, then the CA as its
#                                   chain) and DIR/NAME.key
#   tls_spki FILE                   base64 SHA-256 of FILE's public key, as
#                                   Chromium's --ignore-certificate-errors-spki-list
#                                   takes it
#   tls_serial HOST PORT            serial of the certificate served there

tls_make_ca() {
	openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 2 \
		-subj "/CN=ZWS Test CA" -keyout "$1/ca.key" -out "$1/ca.pem" 2>/dev/null
}

tls_make_server() {
	local dir=$1 name=$2 serial=$3
	openssl req -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes \
		-subj "/CN=localhost/O=ZWS test $serial" -keyout "$dir/$name.key" -out "$dir/$name.csr" 2>/dev/null
	printf 'subjectAltName=DNS:localhost,IP:127.0.0.1\nextendedKeyUsage=serverAuth\n' >"$dir/$name.ext"
	openssl x509 -req -in "$dir/$name.csr" -CA "$dir/ca.pem" -CAkey "$dir/ca.key" \
		-set_serial "0x$serial" -days 1 -extfile "$dir/$name.ext" -out "$dir/$name.leaf" 2>/dev/null
	cat "$dir/$name.leaf" "$dir/ca.pem" >"$dir/$name.pem"
}

tls_spki() {
	openssl x509 -in "$1" -noout -pubkey | openssl pkey -pubin -outform der |
		openssl dgst -sha256 -binary | base64
}

tls_serial() {
	openssl s_client -connect "$1:$2" -servername localhost </dev/null 2>/dev/null |
		openssl x509 -noout -serial 2>/dev/null | sed 's/^serial=//'
}
