#!/usr/bin/env bash
# The notebook test (test/notebook/) runs the original notebook's cells with Debian's Python:
# /usr/bin/python3 with NumPy, h5py, matplotlib and SciPy. Installs them when missing and we
# may (root); otherwise says how (the test then fails, saying what is missing).
set -u
PACKAGES="python3-numpy python3-h5py python3-matplotlib python3-scipy"
have() { [ -x /usr/bin/python3 ] && /usr/bin/python3 -c 'import numpy, h5py, matplotlib, scipy' >/dev/null 2>&1; }
have && exit 0
if [ "$(id -u)" -ne 0 ]; then
  echo "ensure-python: /usr/bin/python3 lacks numpy, h5py, matplotlib or scipy; install them with: sudo apt-get install -y --no-install-recommends $PACKAGES" >&2
  exit 0
fi
echo "ensure-python: installing $PACKAGES for the notebook test ..." >&2
export DEBIAN_FRONTEND=noninteractive
# shellcheck disable=SC2086
apt-get install -y -q --no-install-recommends $PACKAGES >/dev/null 2>&1 || { apt-get update -q >/dev/null 2>&1 && apt-get install -y -q --no-install-recommends $PACKAGES >/dev/null; }
have || { echo "ensure-python: could not install $PACKAGES" >&2; exit 1; }
