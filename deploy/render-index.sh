#!/bin/sh
# Renders a bundle for nginx or Caddy exactly as twinscope-gateway serves it, using the
# gateway itself: index.html with its CSP meta's connect-src taken from config.json and
# config.json itself in a meta of its head (the app then starts without fetching it), and that
# page's header policy (with the hashes of its inline loader and stylesheet) as
#   nginx: twinscope/index-csp.map     ("/index.html" "<policy>";)
#   Caddy: twinscope/index-csp.caddy   (header /index.html Content-Security-Policy "<policy>")
# Run it for every build and every change of config.json:
#   deploy/render-index.sh DIST CONFIG_JSON OUT_DIR
# then copy DIST (with OUT_DIR/index.html) to /srv/twinscope and OUT_DIR/twinscope/ next to
# the nginx or Caddy configuration. It also prints the policy of every other response, which
# must equal the one in deploy/nginx/twinscope.conf and deploy/caddy/Caddyfile.
set -eu
dist=$1 config=$2 out=$3
port=${PORT:-18089}
mkdir -p "$out/twinscope"
twinscope-gateway --dist "$dist" --config-json "$config" --port "$port" --adt-off &
gateway=$!
trap 'kill $gateway' EXIT
for _ in $(seq 50); do curl -fsS -o /dev/null "http://127.0.0.1:$port/config.json" 2>/dev/null && break; sleep 0.1; done
header() { curl -fsS -D - -o /dev/null "http://127.0.0.1:$port$1" | tr -d '\r' | sed -n 's/^[Cc]ontent-[Ss]ecurity-[Pp]olicy: //p'; }
curl -fsS -o "$out/index.html" "http://127.0.0.1:$port/"
page=$(header /)
printf '"/index.html" "%s";\n' "$page" > "$out/twinscope/index-csp.map"
printf 'header /index.html Content-Security-Policy "%s"\n' "$page" > "$out/twinscope/index-csp.caddy"
echo "policy of every other response: $(header /config.json)"
