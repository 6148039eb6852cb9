# `kizuna serve` over real HTTP on 127.0.0.1: discovery answers, authentication is asked for,
# bodies past the limit get 413 before they are read, the rate limit answers 429, plain HTTP is
# refused off loopback, the default self-signed certificate is made once (key 0600) and its
# printed fingerprint is the one curl sees, SIGTERM stops cleanly, and the request log has one
# line per request and never a credential.
source "$(dirname "$0")/lib.bash"
command -v curl >/dev/null || skip "curl is needed"
command -v openssl >/dev/null || skip "openssl is needed"

SRV=""
cleanup() {
  if [ -n "$SRV" ]; then kill -KILL "$SRV" 2>/dev/null || true; wait "$SRV" 2>/dev/null || true; fi
  rm -rf "$TMP"
}
trap cleanup EXIT

# start_server ARGS...: starts `kizuna serve ARGS` in the background; sets SRV, PORT and SCHEME
# from its "listening on" line (waits up to 10 s).
start_server() {
  "$KIZUNA" --db "$DB" serve "$@" >"$TMP/srv.out" 2>"$TMP/srv.err" &
  SRV=$!
  PORT=""
  for _ in $(seq 1 100); do
    line=$(head -n 1 "$TMP/srv.out" 2>/dev/null || true)
    if [[ "$line" =~ ^listening\ on\ (https?)://127\.0\.0\.1:([0-9]+)/taxii2/$ ]]; then
      SCHEME=${BASH_REMATCH[1]}
      PORT=${BASH_REMATCH[2]}
      return 0
    fi
    kill -0 "$SRV" 2>/dev/null || break
    sleep 0.1
  done
  echo "--- stdout"; cat "$TMP/srv.out"; echo "--- stderr"; cat "$TMP/srv.err"
  fail "the server did not print 'listening on http(s)://127.0.0.1:PORT/taxii2/' within 10 s"
}

# stop_server: SIGTERM, then the exit status must be 0 within 5 s.
stop_server() {
  local code=0
  kill -TERM "$SRV"
  for _ in $(seq 1 50); do
    kill -0 "$SRV" 2>/dev/null || break
    sleep 0.1
  done
  kill -0 "$SRV" 2>/dev/null && fail "the server was still running 5 s after SIGTERM"
  wait "$SRV" || code=$?
  SRV=""
  [ "$code" -eq 0 ] || { cat "$TMP/srv.err"; fail "the server exited $code after SIGTERM, not 0"; }
}

# get URL [CURL ARGS...]: status in $STATUS, headers in $TMP/h, body in $TMP/b.
get() {
  local url=$1
  shift
  STATUS=$(curl -sS -o "$TMP/b" -D "$TMP/h" -w '%{http_code}' --max-time 10 "$@" "$url") ||
    fail "curl $url failed"
}
header_has() {
  grep -qi -- "$1" "$TMP/h" || { cat "$TMP/h"; fail "no header matching: $1"; }
}

# ---- plain HTTP on loopback: discovery, 401, 413, the log ----------------------------------------
start_server --listen 127.0.0.1:0 --plain-http --max-body 2048 --log "$TMP/req.log"
[ "$SCHEME" = http ] || fail "--plain-http printed $SCHEME"
base="http://127.0.0.1:$PORT"

get "$base/taxii2/" -H 'Accept: application/taxii+json;version=2.1'
[ "$STATUS" = 200 ] || { cat "$TMP/b"; fail "GET /taxii2/ answered $STATUS, expected 200"; }
header_has '^Content-Type: application/taxii+json;version=2.1'
header_has '^X-Content-Type-Options: nosniff'

get "$base/api/collections/"
[ "$STATUS" = 401 ] || fail "GET /api/collections/ without credentials answered $STATUS, not 401"
header_has '^WWW-Authenticate: Basic realm="kizuna"'
grep -q '"http_status"' "$TMP/b" || fail "the 401 is not a TAXII error resource: $(cat "$TMP/b")"

secret_b64=$(printf 'mallory:n0t-the-Passw0rd' | base64)
get "$base/api/collections/" -H "Authorization: Basic $secret_b64"
[ "$STATUS" = 401 ] || fail "unknown Basic credentials answered $STATUS, not 401"

head -c 4096 /dev/zero | tr '\0' x >"$TMP/big"
get "$base/taxii2/" -X POST -H 'Content-Type: application/taxii+json;version=2.1' \
  --data-binary @"$TMP/big"
[ "$STATUS" = 413 ] || fail "a 4096-byte body with --max-body 2048 answered $STATUS, not 413"

stop_server
nreq=$(grep -cE '^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9:.]+Z 127\.0\.0\.1 (GET|POST) /' "$TMP/req.log" || true)
[ "$nreq" -eq 4 ] || { cat "$TMP/req.log"; fail "the log has $nreq request lines for 4 requests"; }
grep -qE ' GET /api/collections/ 401 [0-9]+ [0-9]+\.[0-9]{3} -$' "$TMP/req.log" ||
  { cat "$TMP/req.log"; fail "no log line for the 401 in the expected form"; }
if grep -qF -- "$secret_b64" "$TMP/req.log" "$TMP/srv.err" "$TMP/srv.out"; then
  fail "the Authorization header's credential is in the log"
fi
grep -q 'n0t-the-Passw0rd' "$TMP/req.log" && fail "the password is in the log"

# ---- rate limit ------------------------------------------------------------------------------------
start_server --listen 127.0.0.1:0 --plain-http --rate 1 --burst 2 --quiet
base="http://127.0.0.1:$PORT"
codes=""
for _ in 1 2 3; do
  get "$base/taxii2/"
  codes="$codes $STATUS"
done
[ "$STATUS" = 429 ] || fail "three requests at --rate 1 --burst 2 answered$codes; the third is not 429"
header_has '^Retry-After: [1-9]'
stop_server

# ---- plain HTTP off loopback is refused ------------------------------------------------------------
expect_exit 2 "$KIZUNA" --db "$DB" serve --listen 0.0.0.0:0 --plain-http
expect_err "loopback"
expect_exit 2 "$KIZUNA" --db "$DB" serve --listen 127.0.0.1:0 --tls-cert "$TMP/nope.pem"

# ---- TLS by default: a self-signed pair beside the database ------------------------------------
tlsdir="$TMP/kizuna.db.tls"
start_server --listen 127.0.0.1:0 --quiet
[ "$SCHEME" = https ] || fail "without --plain-http the server printed $SCHEME"
[ -f "$tlsdir/cert.pem" ] && [ -f "$tlsdir/key.pem" ] || fail "no cert.pem and key.pem in $tlsdir"
[ "$(stat -c %a "$tlsdir/key.pem")" = 600 ] || fail "key.pem has mode $(stat -c %a "$tlsdir/key.pem")"
printed=$(sed -n 's/^tls certificate sha256 fingerprint: //p' "$TMP/srv.out")
want=$(openssl x509 -noout -fingerprint -sha256 -in "$tlsdir/cert.pem" | sed 's/^.*=//')
[ -n "$printed" ] && [ "$printed" = "$want" ] || fail "printed fingerprint '$printed', cert.pem has '$want'"
get "https://127.0.0.1:$PORT/taxii2/" --cacert "$tlsdir/cert.pem"
[ "$STATUS" = 200 ] || fail "GET https://.../taxii2/ with --cacert cert.pem answered $STATUS"
# TLS 1.1 and older are refused.
if curl -s -o /dev/null --max-time 10 --cacert "$tlsdir/cert.pem" --tlsv1.1 --tls-max 1.1 \
  "https://127.0.0.1:$PORT/taxii2/"; then
  fail "a TLS 1.1 handshake succeeded"
fi
stop_server

# A second start reuses the same pair.
start_server --listen 127.0.0.1:0 --quiet
again=$(sed -n 's/^tls certificate sha256 fingerprint: //p' "$TMP/srv.out")
[ "$again" = "$printed" ] || fail "the second start has fingerprint $again, the first had $printed"
grep -q 'generated a self-signed' "$TMP/srv.err" && fail "the second start made a new certificate"
stop_server

echo "ok: serve answers, limits and stops as expected"
