#!/usr/bin/env bash
# Installs what the guide builder and its tests need on a fresh Debian machine,
# only what is missing (so it is quick to rerun). Used by the README's first
# command and by CI.
set -euo pipefail
cd "$(dirname "$0")"
export DEBIAN_FRONTEND=noninteractive
sudo=""
[ "$(id -u)" = 0 ] || sudo=sudo

# Debian: Chromium (browser tests through Playwright, whose own browser
# download cannot be fetched here) with CJK fonts, Java (Nu Html Checker),
# GNU gettext (msgfmt --check), npm (the gate tools below), poppler-utils
# (pdftotext, pdffonts, pdftoppm) and zbar-tools (zbarimg reads the
# certificates' QR codes).
need=()
command -v chromium >/dev/null || need+=(chromium)
dpkg -s fonts-noto-cjk >/dev/null 2>&1 || need+=(fonts-noto-cjk)
command -v java >/dev/null || need+=(default-jre-headless)
command -v msgfmt >/dev/null || need+=(gettext)
command -v npm >/dev/null || need+=(npm)
command -v pdffonts >/dev/null || need+=(poppler-utils)
command -v zbarimg >/dev/null || need+=(zbar-tools)
if ((${#need[@]})); then
  # Another process may hold the dpkg lock: wait for it rather than fail.
  $sudo apt-get -o DPkg::Lock::Timeout=600 update -qq >/dev/null
  $sudo apt-get -o DPkg::Lock::Timeout=600 install -y -qq --no-install-recommends "${need[@]}" >/dev/null
fi

python3 -m pip install --quiet --disable-pip-version-check -e '.[test]'

# npm: the Nu Html Checker (vnu-jar) and axe-core, pinned in .ci/tools.
# --ignore-scripts: vnu-jar's postinstall would look for (and download) a Java;
# the tests run the jar with the machine's Java installed above.
(cd .ci/tools && npm ci --ignore-scripts --no-audit --no-fund --loglevel=error >/dev/null)
