# shellcheck shell=bash
# ensure_python_venv: a Python virtualenv in .venv with moto's server (moto_server), for the SQS
# and EventBridge delivery tests (crates/spapi-server/tests/sqs.rs). Creates the venv when
# missing (installing Debian's python3-venv only if venv creation fails) and installs
# 'moto[server]' when .venv/bin/moto_server is missing; does nothing otherwise.

ensure_python_venv() {
    if [ -x .venv/bin/moto_server ]; then
        echo "moto is installed in .venv"
        return 0
    fi
    if [ ! -x .venv/bin/python ] || [ ! -x .venv/bin/pip ]; then
        rm -rf .venv
        if ! python3 -m venv .venv >/dev/null 2>&1; then
            echo "installing python3-venv from Debian packages"
            rm -rf .venv
            export DEBIAN_FRONTEND=noninteractive
            apt-get update -qq
            apt-get install -y -qq --no-install-recommends python3-venv >/dev/null
            python3 -m venv .venv
        fi
    fi
    echo "installing moto[server] into .venv"
    .venv/bin/pip install --quiet --disable-pip-version-check 'moto[server]'
    if [ ! -x .venv/bin/moto_server ]; then
        echo ".venv/bin/moto_server is still missing after the install" >&2
        return 1
    fi
    echo "moto is installed: $(.venv/bin/python -c 'import moto; print(moto.__version__)' 2>/dev/null || echo '?')"
}
