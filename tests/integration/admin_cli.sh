# The administration commands of the TAXII server against a scratch database: users and their
# passwords (from standard input), tokens (printed once, only their hash stored) and
# certificates, API roots, collections, grants and revocations; every exit code, the list
# outputs and the messages for unknown users and collections.
source "$(dirname "$0")/lib.bash"

k() { "$KIZUNA" --db "$DB" "$@"; }
PW='s3cret pass phrase'

# ---- users -------------------------------------------------------------------------------------
expect_exit 0 k user add alice <<<"$PW"
expect_err "added user alice"
expect_exit 1 k user add alice <<<"other"
expect_err 'user "alice" exists; set a new password with `kizuna user passwd alice`'
expect_exit 1 k user add bob </dev/null
expect_err "empty password"
printf '%0300d\n' 0 >"$TMP/long"
expect_exit 1 k user add bob <"$TMP/long"
expect_err "longer than 255 bytes"
expect_exit 1 k user add 'bad name' <<<"$PW"
expect_err "is not a valid user name"
expect_exit 0 k user add bob <<<"bobs password"
expect_exit 0 k user add robot --no-password
expect_exit 1 k user passwd nobody <<<"x"
expect_err 'user "nobody" does not exist; add it with `kizuna user add nobody`'
expect_exit 0 k user passwd bob <<<"bobs new password"
expect_err "new password for user bob"

# A password is never printed, nor stored in clear.
expect_exit 0 k user list
expect_out "alice	created "
grep -q "^alice	created [0-9T:.Z-]*	password yes	tokens 0	certs 0$" "$TMP/out" ||
  fail "user list: unexpected line for alice: $(grep alice "$TMP/out")"
grep -q "^robot	.*	password no	tokens 0	certs 0$" "$TMP/out" || fail "user list: robot"
grep -qF '$argon2' "$TMP/out" "$TMP/err" && fail "user list printed a password hash"
for f in "$TMP"/kizuna.db*; do
  grep -qF "$PW" "$f" && fail "the password is stored in clear in $f"
done

# Usage errors.
expect_exit 2 k user
expect_exit 2 k user frobnicate alice
expect_err 'no subcommand "frobnicate"'
expect_exit 2 k user add
expect_exit 2 k user add a b
expect_exit 2 k user list extra
expect_exit 0 k user --help
expect_out "usage: kizuna [--db URL] user add NAME"

# ---- tokens: printed once on stdout, only the hash stored -------------------------------------
expect_exit 0 k user token robot --label ci
[ "$(wc -l <"$TMP/out")" -eq 1 ] || fail "user token should print exactly one line"
token=$(cat "$TMP/out")
[[ "$token" =~ ^[A-Za-z0-9_-]{43}$ ]] || fail "token \"$token\" is not 43 base64url characters"
expect_err "shown once"
for f in "$TMP"/kizuna.db*; do
  grep -qF "$token" "$f" && fail "the token is stored in clear in $f"
done
expect_exit 0 k user token robot
token2=$(cat "$TMP/out")
[ "$token" != "$token2" ] || fail "two tokens are the same"
expect_exit 0 k user list
grep -q "^robot	.*	tokens 2	certs 0$" "$TMP/out" || fail "user list: robot should have 2 tokens"
grep -qF "$token" "$TMP/out" && fail "user list printed a token"
expect_exit 1 k user token ghost
expect_err 'user "ghost" does not exist; add it with `kizuna user add ghost`'
expect_exit 0 k user revoke-tokens robot
expect_out "revoked 2 tokens of robot"
expect_exit 0 k user list
grep -q "^robot	.*	tokens 0	certs 0$" "$TMP/out" || fail "revoke-tokens left tokens"
expect_exit 1 k user revoke-tokens ghost

# ---- certificates -------------------------------------------------------------------------------
fp=0123456789ABCDEF0123456789ABCDEF0123456789ABCDEF0123456789ABCDEF
expect_exit 0 k user cert bob --fingerprint "$fp"
expect_out "sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"
expect_exit 1 k user cert alice --fingerprint "$fp"
expect_err "already mapped"
expect_exit 2 k user cert bob --fingerprint abc
expect_err "is not a SHA-256 fingerprint"
expect_exit 2 k user cert bob
expect_err "exactly one of"
expect_exit 2 k user cert bob --subject "CN=x" --fingerprint "$fp"
expect_exit 0 k user cert alice --subject "CN=alice,O=Example"
expect_out "subject:CN=alice,O=Example"
if command -v openssl >/dev/null; then
  openssl req -x509 -newkey rsa:2048 -nodes -keyout "$TMP/key.pem" -out "$TMP/cert.pem" \
    -days 2 -subj "/CN=robot" >/dev/null 2>&1 || fail "openssl could not make a certificate"
  want=$(openssl x509 -in "$TMP/cert.pem" -noout -fingerprint -sha256 | sed 's/.*=//; s/://g' |
    tr 'A-F' 'a-f')
  expect_exit 0 k user cert robot --cert "$TMP/cert.pem"
  expect_out "sha256:$want"
  # Colons, as openssl prints it, are accepted and mean the same certificate.
  expect_exit 1 k user cert bob --fingerprint \
    "$(openssl x509 -in "$TMP/cert.pem" -noout -fingerprint -sha256 | sed 's/.*=//')"
  expect_err "already mapped"
  expect_exit 1 k user cert robot --cert "$TMP/key.pem"
  expect_err "no PEM certificate"
fi
expect_exit 3 k user cert robot --cert "$TMP/missing.pem"
expect_err "cannot open"
expect_exit 0 k user list
grep -q "^alice	.*	certs 1$" "$TMP/out" || fail "user list: alice should have 1 certificate"

# ---- API roots and collections ------------------------------------------------------------------
expect_exit 0 k root add intel --title "Intel sharing" --description "for partners"
expect_out "intel"
expect_exit 1 k root add intel
expect_err 'API root "intel" exists'
expect_exit 1 k root add taxii2
expect_err "not a valid API root name"
expect_exit 2 k root add
expect_exit 2 k root frob
expect_exit 0 k root list
expect_out "api	"
expect_out "intel	Intel sharing	for partners"

expect_exit 0 k collection add "Feed one" --description "first feed" --root intel
[ "$(wc -l <"$TMP/out")" -eq 1 ] || fail "collection add should print the id alone"
feed1=$(cat "$TMP/out")
[[ "$feed1" =~ ^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$ ]] ||
  fail "collection add printed \"$feed1\", not a UUID"
expect_exit 0 k collection add "Feed two"
feed2=$(cat "$TMP/out")
expect_exit 1 k collection add "Orphan" --root nowhere
expect_err 'API root "nowhere" does not exist; add it with `kizuna root add nowhere`'
expect_exit 2 k collection add
expect_exit 2 k collection add a b
expect_exit 2 k collection frob
expect_exit 0 k collection list
expect_out "$feed1	intel	Feed one"
expect_out "$feed2	api	Feed two"
grep -q Orphan "$TMP/out" && fail "a collection was made in a missing root"

# ---- grants -----------------------------------------------------------------------------------
expect_exit 0 k grant list
[ -s "$TMP/out" ] && fail "grant list should be empty before any grant"
expect_exit 0 k grant alice "Feed one" read
expect_out "alice	$feed1	Feed one	read"
expect_exit 0 k grant alice "$feed1" write # by id; rights add up
expect_out "alice	$feed1	Feed one	read,write"
expect_exit 0 k grant bob "Feed two" read,write
expect_exit 0 k grant robot "Feed two" read
expect_exit 0 k grant list
expect_out "alice	$feed1	Feed one	read,write"
expect_out "bob	$feed2	Feed two	read,write"
expect_out "robot	$feed2	Feed two	read"
[ "$(wc -l <"$TMP/out")" -eq 3 ] || fail "grant list should have 3 lines"
expect_exit 0 k grant list bob
expect_out "bob	$feed2	Feed two	read,write"
[ "$(wc -l <"$TMP/out")" -eq 1 ] || fail "grant list bob should have 1 line"
expect_exit 1 k grant list ghost
expect_err 'user "ghost" does not exist'

expect_exit 1 k grant ghost "Feed one" read
expect_err 'user "ghost" does not exist; add it with `kizuna user add ghost`'
expect_exit 1 k grant alice "No such feed" read
expect_err 'collection "No such feed" does not exist; `kizuna collection list` shows'
expect_exit 2 k grant alice "Feed one" execute
expect_err '"execute" is not a right'
expect_exit 2 k grant alice "Feed one"
expect_exit 2 k grant

# revoke: named rights, then all.
expect_exit 0 k revoke bob "Feed two" write
expect_out "bob	$feed2	Feed two	read"
expect_exit 0 k grant list bob
expect_out "bob	$feed2	Feed two	read"
expect_exit 0 k revoke alice "Feed one"
expect_exit 0 k grant list alice
[ -s "$TMP/out" ] && fail "revoke without rights should remove every right"
expect_exit 0 k revoke alice "Feed two" # nothing to take: still fine
expect_exit 1 k revoke ghost "Feed two"
expect_err 'user "ghost" does not exist'
expect_exit 1 k revoke bob "No such feed"
expect_err 'collection "No such feed" does not exist'
expect_exit 2 k revoke bob
expect_exit 2 k revoke bob "Feed two" all

# Deleting a user takes their grants and credentials.
expect_exit 0 k user del robot
expect_exit 1 k user del robot
expect_err 'user "robot" does not exist'
expect_exit 0 k grant list
grep -q "^robot	" "$TMP/out" && fail "the deleted user's grants are still listed"
expect_exit 0 k user list
grep -q "^robot	" "$TMP/out" && fail "the deleted user is still listed"

# ---- help and environment errors ----------------------------------------------------------------
for c in user collection root grant revoke; do
  expect_exit 0 "$KIZUNA" help $c
  expect_out "usage: kizuna [--db URL] $c"
done
expect_exit 0 "$KIZUNA" help
expect_out "  grant USER COLLECTION RIGHTS"
expect_exit 3 "$KIZUNA" --db "sqlite://$TMP/no/such/folder/k.db" user list
expect_exit 3 "$KIZUNA" --db "sqlite://$TMP/no/such/folder/k.db" grant list
echo "ok: administration commands"
