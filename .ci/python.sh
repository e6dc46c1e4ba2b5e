# shellcheck shell=bash
# ensure_python_venv: a Python virtualenv in .venv with
# - moto's server (moto_server), for the SQS and EventBridge delivery tests
#   (crates/spapi-server/tests/sqs.rs);
# - pytest and the real SP-API clients pinned in tests/python/requirements.txt, for the
#   real-clients suite that crates/spapi/tests/python_clients.rs runs.
# Creates the venv when missing (installing Debian's python3-venv only if venv creation fails),
# installs 'moto[server]' when .venv/bin/moto_server is missing and the requirements when they
# changed since the last install (a hash of the file in .venv); does nothing otherwise.
#
# By hand, at the repository root: bash -c '. .ci/python.sh && ensure_python_venv'

PY_REQUIREMENTS=tests/python/requirements.txt
PY_STAMP=.venv/.tests-python-requirements.sha256

py_requirements_hash() {
    sha256sum "$PY_REQUIREMENTS" | cut -d' ' -f1
}

ensure_python_venv() {
    local want
    want="$(py_requirements_hash)"
    if [ -x .venv/bin/moto_server ] && [ -f "$PY_STAMP" ] && [ "$(cat "$PY_STAMP")" = "$want" ]; then
        echo "moto and the real-clients suite's packages are installed in .venv"
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
    if [ ! -x .venv/bin/moto_server ]; then
        echo "installing moto[server] into .venv"
        .venv/bin/pip install --quiet --disable-pip-version-check 'moto[server]'
        if [ ! -x .venv/bin/moto_server ]; then
            echo ".venv/bin/moto_server is still missing after the install" >&2
            return 1
        fi
    fi
    echo "installing $PY_REQUIREMENTS into .venv"
    .venv/bin/pip install --quiet --disable-pip-version-check -r "$PY_REQUIREMENTS"
    if ! .venv/bin/python -c 'import pytest, spapi, sp_api' >/dev/null 2>&1; then
        echo "pytest or an SP-API client is still missing from .venv after the install" >&2
        return 1
    fi
    echo "$want" >"$PY_STAMP"
    echo "moto is installed: $(.venv/bin/python -c 'import moto; print(moto.__version__)' 2>/dev/null || echo '?')"
    echo "real-clients suite: $(.venv/bin/pip freeze --disable-pip-version-check 2>/dev/null | grep -Ei '^(pytest|amzn-sp-api|python-amazon-sp-api)==' | tr '\n' ' ')"
}
