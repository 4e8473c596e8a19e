#!/usr/bin/env bash
# Browser tests drive Debian's Chromium (never a downloaded browser). Installs it when
# missing and we may (root); otherwise says how.
set -u
[ -x /usr/bin/chromium ] && exit 0
if [ "$(id -u)" -ne 0 ]; then
  echo "ensure-chromium: /usr/bin/chromium is missing; install it with: sudo apt-get install -y chromium" >&2
  exit 0
fi
echo "ensure-chromium: installing Debian's chromium for the browser tests ..." >&2
export DEBIAN_FRONTEND=noninteractive
apt-get install -y -q chromium >/dev/null 2>&1 || { apt-get update -q >/dev/null 2>&1 && apt-get install -y -q chromium >/dev/null; }
[ -x /usr/bin/chromium ] || { echo "ensure-chromium: could not install chromium" >&2; exit 1; }
