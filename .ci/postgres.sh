# shellcheck shell=bash
# ensure_postgres: PostgreSQL answering on 127.0.0.1:5432, user postgres, trust auth.
# Installs it from Debian's packages when missing, starts the cluster when stopped, and adds a
# trust rule for loopback when a fresh install has none.

pg_up() {
    command -v pg_isready >/dev/null 2>&1 && pg_isready -h 127.0.0.1 -p 5432 -q
}

pg_trusts_us() {
    psql -h 127.0.0.1 -U postgres -d postgres -Atc 'select 1' >/dev/null 2>&1
}

ensure_postgres() {
    if pg_up && pg_trusts_us; then
        echo "PostgreSQL is running"
        return 0
    fi
    if ! command -v pg_ctlcluster >/dev/null 2>&1; then
        echo "installing PostgreSQL from Debian packages"
        export DEBIAN_FRONTEND=noninteractive
        apt-get update -qq
        apt-get install -y -qq postgresql >/dev/null
    fi
    local version
    version="$(ls /etc/postgresql | sort -V | tail -n 1)"
    local hba="/etc/postgresql/$version/main/pg_hba.conf"
    if [ -f "$hba" ] && ! grep -Eq '^host\s+all\s+all\s+127\.0\.0\.1/32\s+trust' "$hba"; then
        sed -i '1i host all all 127.0.0.1/32 trust' "$hba"
    fi
    local conf="/etc/postgresql/$version/main/postgresql.conf"
    if [ -f "$conf" ] && ! grep -Eq "^listen_addresses" "$conf"; then
        echo "listen_addresses = '127.0.0.1'" >>"$conf"
    fi
    if pg_up; then
        pg_ctlcluster --skip-systemctl-redirect "$version" main reload || true
    else
        pg_ctlcluster --skip-systemctl-redirect "$version" main start
    fi
    for _ in $(seq 1 30); do
        if pg_up && pg_trusts_us; then
            echo "PostgreSQL $version is running"
            return 0
        fi
        sleep 1
    done
    echo "PostgreSQL did not come up on 127.0.0.1:5432" >&2
    return 1
}
