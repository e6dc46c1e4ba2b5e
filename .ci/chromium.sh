# shellcheck shell=bash
# ensure_chromium: headless Chromium and chromedriver from Debian's packages, for the browser
# test (crates/spapi-server/tests/browser.rs). Installs them when /usr/bin/chromium or
# chromedriver is missing; does nothing otherwise.

ensure_chromium() {
    if [ -x /usr/bin/chromium ] && command -v chromedriver >/dev/null 2>&1; then
        echo "Chromium is installed: $(/usr/bin/chromium --version 2>/dev/null || echo '?')"
        return 0
    fi
    echo "installing Chromium and chromedriver from Debian packages"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq
    apt-get install -y -qq --no-install-recommends chromium chromium-driver fonts-dejavu-core >/dev/null
    if [ ! -x /usr/bin/chromium ] || ! command -v chromedriver >/dev/null 2>&1; then
        echo "Chromium or chromedriver is still missing after the install" >&2
        return 1
    fi
    echo "Chromium is installed: $(/usr/bin/chromium --version 2>/dev/null || echo '?')"
}
