#!/usr/bin/env bash
# Installs the Debian packages Tessera's tests need when they are missing, then verifies each
# one works. Fails loudly (non-zero, with the reason) when it cannot: the tests never skip.
#
#   python3-libtorrent  real BitTorrent peers (under Debian's /usr/bin/python3)
#   opentracker         HTTP + UDP tracker
#   aria2               a second BitTorrent implementation
#   transmission-cli    a third one
#   chromium            the browser Playwright drives (e2e)
#   miniupnpd           a real UPnP IGD / NAT-PMP gateway (port-mapping interop, in a netns)
#   nginx-light         a real HTTP server with range requests (web seed interop)
#   openssl             a self-signed certificate (web host HTTPS test)
#
# Usage: scripts/ensure-deps.sh          (as root, or with passwordless sudo)
#        scripts/ensure-deps.sh --check  (verify only, install nothing)
set -euo pipefail

CHECK_ONLY=0
[[ "${1:-}" == "--check" ]] && CHECK_ONLY=1

export DEBIAN_FRONTEND=noninteractive

# package -> verification command
declare -A VERIFY=(
  [python3-libtorrent]="/usr/bin/python3 -c 'import libtorrent, sys; sys.stdout.write(libtorrent.__version__)'"
  [opentracker]="test -x /usr/bin/opentracker && echo /usr/bin/opentracker"
  [aria2]="aria2c --version | head -n 1"
  [transmission-cli]="transmission-cli --version 2>&1 | head -n 1"
  [chromium]="/usr/bin/chromium --version 2>/dev/null"
  [miniupnpd]="test -x /usr/sbin/miniupnpd && echo /usr/sbin/miniupnpd"
  [nginx-light]="/usr/sbin/nginx -v 2>&1"
  [openssl]="openssl version"
)
ORDER=(python3-libtorrent opentracker aria2 transmission-cli chromium miniupnpd nginx-light openssl)

log() { printf 'ensure-deps: %s\n' "$*" >&2; }
die() { printf '\nensure-deps: ERROR: %s\n\n' "$*" >&2; exit 1; }

verify() { bash -c "${VERIFY[$1]}" 2>/dev/null; }

missing=()
for pkg in "${ORDER[@]}"; do
  if out=$(verify "$pkg") && [[ -n "$out" ]]; then
    log "ok      $pkg ($out)"
  else
    log "missing $pkg"
    missing+=("$pkg")
  fi
done

if [[ ${#missing[@]} -eq 0 ]]; then
  log "all test dependencies present"
  exit 0
fi

if [[ $CHECK_ONLY -eq 1 ]]; then
  die "missing: ${missing[*]} — run scripts/ensure-deps.sh as root (or apt-get install ${missing[*]})"
fi

SUDO=()
if [[ $(id -u) -ne 0 ]]; then
  if command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then
    SUDO=(sudo -n)
  else
    die "missing: ${missing[*]}. Installing them needs root: run 'sudo scripts/ensure-deps.sh' or 'sudo apt-get install ${missing[*]}'."
  fi
fi
command -v apt-get >/dev/null 2>&1 || die "missing: ${missing[*]}, and apt-get is not available (tests need a Debian/Ubuntu machine or these tools installed by hand)."

log "apt-get update"
"${SUDO[@]}" apt-get update -q || die "apt-get update failed; cannot install ${missing[*]}"
log "apt-get install ${missing[*]}"
"${SUDO[@]}" apt-get install -y -q "${missing[@]}" </dev/null \
  || die "apt-get install ${missing[*]} failed (see the apt output above)"

failed=()
for pkg in "${missing[@]}"; do
  if out=$(verify "$pkg") && [[ -n "$out" ]]; then
    log "ok      $pkg ($out) — installed"
  else
    failed+=("$pkg")
  fi
done
if [[ ${#failed[@]} -gt 0 ]]; then
  die "installed but still not working: ${failed[*]} (python3-libtorrent must import under /usr/bin/python3)"
fi
log "all test dependencies present"
