#!/usr/bin/env bash
# Installs what the explorer's browser test needs and a fresh Debian machine may lack: Debian's
# chromium (driven at /usr/bin/chromium), a CJK font (fonts-noto-cjk: without it the explorer's
# Chinese renders as empty boxes in screenshots), node and npm; then the test's npm packages
# exactly as locked (`npm ci` in network-tests/browser). Does nothing that is already there.
set -euo pipefail
cd "$(dirname "$0")/.."

missing=()
[ -x /usr/bin/chromium ] || missing+=(chromium)
[ -d /usr/share/fonts/opentype/noto ] && ls /usr/share/fonts/opentype/noto | grep -q CJK || missing+=(fonts-noto-cjk)
command -v node >/dev/null 2>&1 || missing+=(nodejs)
command -v npm >/dev/null 2>&1 || missing+=(npm)

"$(dirname "$0")/apt-install.sh" "${missing[@]}"

cd network-tests/browser
locked=$(node -p "require('./package-lock.json').packages['node_modules/playwright-core'].version")
installed=$(node -p "try { require('./node_modules/playwright-core/package.json').version } catch { '' }")
if [ "$locked" != "$installed" ]; then
  npm ci --no-audit --no-fund
fi
