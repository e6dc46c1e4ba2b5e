# shellcheck shell=bash
# ensure_nginx: nginx from Debian's packages, for the several-instances test
# (crates/spapi/tests/fleet.rs), which starts its own nginx on a loopback port with its own
# configuration. Installs the package when /usr/sbin/nginx is missing, without starting the
# system service; does nothing otherwise.

ensure_nginx() {
    if [ -x /usr/sbin/nginx ]; then
        echo "nginx is installed: $(/usr/sbin/nginx -v 2>&1)"
        return 0
    fi
    echo "installing nginx from Debian packages"
    export DEBIAN_FRONTEND=noninteractive
    # The package would start the system service on port 80: the test needs only the binary.
    local policy=/usr/sbin/policy-rc.d created=""
    if [ ! -e "$policy" ]; then
        printf '#!/bin/sh\nexit 101\n' >"$policy"
        chmod +x "$policy"
        created=1
    fi
    apt-get update -qq
    apt-get install -y -qq --no-install-recommends nginx-light >/dev/null 2>&1 ||
        apt-get install -y -qq --no-install-recommends nginx >/dev/null
    if [ -n "$created" ]; then
        rm -f "$policy"
    fi
    if [ ! -x /usr/sbin/nginx ]; then
        echo "nginx is still missing after the install" >&2
        return 1
    fi
    echo "nginx is installed: $(/usr/sbin/nginx -v 2>&1)"
}
