#!/usr/bin/env bash
# Builds the local MongoDB-compatible server once into the cache, offline:
#   FerretDB v2.5.0 on a private copy of Debian's PostgreSQL 15 with DocumentDB
#   v0.106.0-ferretdb-2.5.0 (plus the extended RUM access method that serves index-ordered sorts).
#
# usage: scripts/docdb/build.sh            (the project's scripts call it through lib.sh)
#
# Sources that neither Debian, npm nor the Go module proxy have (DocumentDB, libbson 1.28,
# pg_cron 1.6.3, pgvector 0.8.0) come from $WAB_DOCDB_SRC, default ../shared/vendor/documentdb/src
# beside the repository, as tarballs (each checked by sha256) or as plain directories. When that
# folder does not exist, the same tags are downloaded from GitHub and checked by the sha256 of
# their file tree (GitHub's gzip bytes are not stable; the files are). FerretDB comes from the Go
# module proxy. Debian packages that are missing are installed with apt-get (root only).
#
# Idempotent and safe when two builds race (flock on the cache); finished steps are recorded in
# stamps/. FORCE=1 rebuilds everything. The system PostgreSQL is neither used nor changed.
set -euo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
ROOT="$(cd "$HERE/../.." && pwd)"
WAB_CACHE="${WAB_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/whatsapp-bridge}"
CACHE="${DOCDB_CACHE:-$WAB_CACHE/docdb}"
mkdir -p "$CACHE"; CACHE="$(cd "$CACHE" && pwd)"

PGV=15
DOCDB_REF=v0.106.0-ferretdb-2.5.0
LIBBSON_REF=1.28.0
PGCRON_REF=v1.6.3
PGVECTOR_REF=v0.8.0
FERRETDB_VERSION=v2.5.0
FERRETDB_COMMIT=b4eda04f375ca6eb63867d36901787e5af6d0eb6
DOCDB_PATCHLEVEL=p2 # bump when the documentdb-*.patch files change

# name | tarball sha256 (the vendored git archives) | file-tree sha256 | upstream archive
SOURCES=(
  "documentdb-$DOCDB_REF|3eea614fe7f1f0db001ca6d35e258842f880bd19e2283f8fa3a87b1361c4715c|c3a5c95544c18b4a9ee01fd7bfeae347e173af3a09df1681bc7d046f4b06a364|https://github.com/FerretDB/documentdb/archive/refs/tags/$DOCDB_REF.tar.gz"
  "mongo-c-driver-$LIBBSON_REF|ebd9944132b98690fcab242c8f6b43e1c0a7a2649c2df9a2d0cf9ac69785c355|17b898f829fd8dad7d52fbf00d90d6e277100e20bda39a94e19183a97de1cd46|https://github.com/mongodb/mongo-c-driver/archive/refs/tags/$LIBBSON_REF.tar.gz"
  "pg_cron-$PGCRON_REF|c525dbe88dc22c2a58fe82565bb9602690e1c05c4ffd3d2ccee971ac52d59904|a6b22de15c274bc02f367525aef8d218467968e827a2d1d79a35f4bac6071f17|https://github.com/citusdata/pg_cron/archive/refs/tags/$PGCRON_REF.tar.gz"
  "pgvector-$PGVECTOR_REF|958aa543a05a60c3696f7fc3bc5722be5a1c413b0ee0e1811f898128526b9c8a|f0af6d267dcdc82ff2b5a39f0be85c90ea549f6ab0c4d96d8a5c03bd2e525fac|https://github.com/pgvector/pgvector/archive/refs/tags/$PGVECTOR_REF.tar.gz"
)
# Folders the vendored mongo-c-driver archive leaves out (libbson's build does not need them);
# removed from a downloaded tree before its hash is taken.
MONGO_C_EXCLUDED=(docs .evergreen orchestration_configs src/libbson/tests src/libmongoc/tests)

JOBS="$(nproc)"
NICE=(nice -n "${NICE_LEVEL:-10}")
BUILD="$CACHE/build"; DEPS="$CACHE/deps"; PGROOT="$CACHE/pg"; STAMPS="$CACHE/stamps"
PGBIN="$PGROOT/usr/lib/postgresql/$PGV/bin"
mkdir -p "$BUILD" "$STAMPS" "$CACHE/bin" "$CACHE/logs"

log() { printf '[docdb build %s] %s\n' "$(date +%H:%M:%S)" "$*" >&2; }
fail() { log "$*"; exit 1; }
done_() { [ -e "$STAMPS/$1" ]; }
mark() { date -u +%FT%TZ > "$STAMPS/$1"; }
step_start() { STEP_T0=$(date +%s); log "$1 ..."; }
step_end() { log "$1 done in $(( $(date +%s) - STEP_T0 ))s"; }
run_logged() {
  local name=$1; shift
  if ! "$@" > "$CACHE/logs/$name.log" 2>&1; then
    log "FAILED: $name (see $CACHE/logs/$name.log)"; tail -40 "$CACHE/logs/$name.log" >&2; exit 1
  fi
}
tree_hash() { (cd "$1" && find . \( -type f -o -type l \) -print0 | LC_ALL=C sort -z | xargs -0 sha256sum | sha256sum | cut -c1-64); }

# One build at a time; a second caller waits, then finds the stamps and returns at once.
exec 8>"$CACHE/build.lock"
flock 8
[ "${FORCE:-0}" = 1 ] && rm -f "$STAMPS"/*
if [ -x "$CACHE/bin/ferretdb" ] && [ -f "$CACHE/VERSIONS" ] && done_ "complete-$FERRETDB_VERSION-$DOCDB_REF-$DOCDB_PATCHLEVEL"; then
  exit 0
fi
T_ALL=$(date +%s)
log "building FerretDB $FERRETDB_VERSION + DocumentDB $DOCDB_REF on PostgreSQL $PGV into $CACHE (first run only, 2-4 minutes)"

# --- sources ----------------------------------------------------------------------------------
# The vendored sources: WAB_DOCDB_SRC, else shared/vendor/documentdb/src beside the repository or
# beside any folder above it (a clone may live deeper than the checkout the sources came with),
# else the workplace's /work/shared.
find_vendor() {
  [ -n "${WAB_DOCDB_SRC:-}" ] && { echo "$WAB_DOCDB_SRC"; return; }
  local dir="$ROOT"
  while [ "$dir" != "/" ]; do
    dir="$(dirname "$dir")"
    [ -d "$dir/shared/vendor/documentdb/src" ] && { echo "$dir/shared/vendor/documentdb/src"; return; }
  done
  [ -d /work/shared/vendor/documentdb/src ] && { echo /work/shared/vendor/documentdb/src; return; }
  echo "$ROOT/../shared/vendor/documentdb/src"
}
VENDOR="$(find_vendor)"
if [ -d "$VENDOR" ]; then log "sources: $VENDOR"; else log "sources: no vendored folder ($VENDOR); downloading the pinned archives"; fi
DOWNLOADS="$CACHE/src"
source_entry() { local e; for e in "${SOURCES[@]}"; do [ "${e%%|*}" = "$1" ] && { echo "$e"; return; }; done; fail "unknown source $1"; }

# unpack <base>: the source tree into BUILD/<base> (archive's top folder stripped), verified
unpack() {
  local base=$1 dest="$BUILD/$1" entry tar_sha tree_sha url f
  entry="$(source_entry "$base")"; IFS='|' read -r _ tar_sha tree_sha url <<<"$entry"
  rm -rf "$dest"; mkdir -p "$dest"
  if [ -d "$VENDOR" ]; then
    if [ -d "$VENDOR/$base" ]; then cp -a "$VENDOR/$base/." "$dest/"; return; fi
    for f in "$VENDOR/$base.tar.gz" "$VENDOR/$base.tgz" "$VENDOR/$base.tar"; do
      [ -f "$f" ] || continue
      [ "$(sha256sum "$f" | cut -c1-64)" = "$tar_sha" ] || fail "sha256 of $f is not $tar_sha"
      tar -xf "$f" -C "$dest" --strip-components=1; return
    done
    fail "missing source: $VENDOR/$base{.tar.gz,.tgz,.tar,/}"
  fi
  # No vendored sources: the pinned upstream archive, checked by its file tree.
  mkdir -p "$DOWNLOADS"
  f="$DOWNLOADS/$base.tar.gz"
  if [ ! -s "$f" ]; then
    log "downloading $url"
    curl -fsSL --retry 3 --connect-timeout 20 --max-time 600 -o "$f.partial" "$url" || fail "could not download $url (set WAB_DOCDB_SRC to a folder with the sources)"
    mv "$f.partial" "$f"
  fi
  tar -xzf "$f" -C "$dest" --strip-components=1
  if [ "$base" = "mongo-c-driver-$LIBBSON_REF" ]; then local d; for d in "${MONGO_C_EXCLUDED[@]}"; do rm -rf "${dest:?}/$d"; done; fi
  [ "$(tree_hash "$dest")" = "$tree_sha" ] || { rm -f "$f"; fail "the files of $url do not match the pinned tree sha256 $tree_sha"; }
}

# --- 1. Debian packages -----------------------------------------------------------------------
# Debian 12's pg_cron (1.4.2) is too old for DocumentDB ('2 seconds' schedules) and there is no
# pgvector for PG 15, so both are built below. systemtap-sdt-dev: sys/sdt.h for the extended RUM.
PKGS=(build-essential cmake pkg-config util-linux patch curl
      postgresql-$PGV postgresql-server-dev-$PGV
      postgresql-$PGV-postgis-3 postgresql-$PGV-rum
      libpcre2-dev libintelrdfpmath-dev libicu-dev libkrb5-dev libssl-dev
      systemtap-sdt-dev)
missing=()
for p in "${PKGS[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  step_start "apt-get install ${missing[*]}"
  [ "$(id -u)" = 0 ] || fail "these Debian packages are needed and only root can install them: sudo apt-get install ${missing[*]}"
  # Installing postgresql-15 must not start or create a system cluster on our account.
  run_logged apt-update apt-get update
  run_logged apt-install env DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends "${missing[@]}"
  step_end apt
fi
command -v go >/dev/null || fail "Go >= 1.24 must be on the PATH to build FerretDB"
export GOTOOLCHAIN=local   # never try to download another Go toolchain

# --- 2. libbson 1.28.0 (static, -fPIC): Debian's 1.23 lacks BSON_SUBTYPE_SENSITIVE --------------
if ! done_ "libbson-$LIBBSON_REF"; then
  step_start "libbson $LIBBSON_REF"
  unpack "mongo-c-driver-$LIBBSON_REF"
  rm -rf "$DEPS"; mkdir -p "$BUILD/mongo-c-driver-$LIBBSON_REF/_build"
  cd "$BUILD/mongo-c-driver-$LIBBSON_REF/_build"
  run_logged libbson-cmake "${NICE[@]}" cmake .. -DENABLE_MONGOC=OFF -DENABLE_TESTS=OFF -DENABLE_EXAMPLES=OFF \
    -DENABLE_STATIC=ON -DENABLE_SHARED=OFF -DENABLE_MAN_PAGES=OFF -DENABLE_HTML_DOCS=OFF \
    -DCMAKE_C_FLAGS="-fPIC -g" -DCMAKE_BUILD_TYPE=Release -DCMAKE_INSTALL_PREFIX="$DEPS"
  run_logged libbson-make "${NICE[@]}" make -j"$JOBS" install
  rm -rf "$BUILD/mongo-c-driver-$LIBBSON_REF"
  mark "libbson-$LIBBSON_REF"; step_end libbson
fi

# pkg-config file for Debian's Intel decimal library (libbidgcc000: CALL_BY_REF=0 GLOBAL_RND=0
# GLOBAL_FLAGS=0, the configuration DocumentDB's own install script builds)
mkdir -p "$DEPS/pkgconfig"
cat > "$DEPS/pkgconfig/intelmathlib.pc" <<'EOF'
prefix=/usr
libdir=/usr/lib/x86_64-linux-gnu
includedir=/usr/include
Name: intelmathlib
Description: Intel Decimal Floating point math library (Debian libintelrdfpmath-dev)
Version: 2.0 Update 2
Cflags: -I${includedir}
Libs: -L${libdir} -lbidgcc000
EOF
export PKG_CONFIG_PATH="$DEPS/lib/pkgconfig:$DEPS/pkgconfig"

# --- 3. a private PostgreSQL tree: a copy of Debian's PG 15 (relocatable), so extensions are
#        added without touching /usr or the system cluster --------------------------------------
PGPKGV="$(dpkg-query -W -f='${Version}' postgresql-$PGV)-$(dpkg-query -W -f='${Version}' postgresql-$PGV-postgis-3)-$(dpkg-query -W -f='${Version}' postgresql-$PGV-rum)"
if ! done_ "pgtree-$PGPKGV"; then
  step_start "private PostgreSQL tree ($PGPKGV)"
  rm -rf "$PGROOT"; rm -f "$STAMPS"/pgtree-* "$STAMPS"/ext-* "$STAMPS"/complete-*
  mkdir -p "$PGROOT/usr/lib/postgresql" "$PGROOT/usr/share/postgresql"
  cp -a "/usr/lib/postgresql/$PGV" "$PGROOT/usr/lib/postgresql/"
  cp -a "/usr/share/postgresql/$PGV" "$PGROOT/usr/share/postgresql/"
  mark "pgtree-$PGPKGV"; step_end pgtree
fi
PGXS_ARGS=(PG_CONFIG=/usr/lib/postgresql/$PGV/bin/pg_config with_llvm=no)

# --- 4. pg_cron and pgvector --------------------------------------------------------------------
if ! done_ "ext-pg_cron-$PGCRON_REF"; then
  step_start "pg_cron $PGCRON_REF"; unpack "pg_cron-$PGCRON_REF"; cd "$BUILD/pg_cron-$PGCRON_REF"
  run_logged pg_cron "${NICE[@]}" make -j"$JOBS" "${PGXS_ARGS[@]}"
  run_logged pg_cron-install make install "${PGXS_ARGS[@]}" DESTDIR="$PGROOT"
  cd "$BUILD"; rm -rf "$BUILD/pg_cron-$PGCRON_REF"
  mark "ext-pg_cron-$PGCRON_REF"; step_end pg_cron
fi
if ! done_ "ext-pgvector-$PGVECTOR_REF"; then
  step_start "pgvector $PGVECTOR_REF"; unpack "pgvector-$PGVECTOR_REF"; cd "$BUILD/pgvector-$PGVECTOR_REF"
  # OPTFLAGS="": no -march=native, so the build runs on any x86-64 machine
  run_logged pgvector "${NICE[@]}" make -j"$JOBS" "${PGXS_ARGS[@]}" OPTFLAGS=""
  run_logged pgvector-install make install "${PGXS_ARGS[@]}" OPTFLAGS="" DESTDIR="$PGROOT"
  cd "$BUILD"; rm -rf "$BUILD/pgvector-$PGVECTOR_REF"
  mark "ext-pgvector-$PGVECTOR_REF"; step_end pgvector
fi

# --- 5. DocumentDB: core + api (what FerretDB's packages ship) and internal/pg_documentdb_extended_rum,
#        the index access method that returns rows in index order (FerretDB's packages leave it out).
#        The distributed (Citus) part is not built. -------------------------------------------------
if ! done_ "ext-documentdb-$DOCDB_REF-$DOCDB_PATCHLEVEL"; then
  step_start "DocumentDB $DOCDB_REF"; unpack "documentdb-$DOCDB_REF"; cd "$BUILD/documentdb-$DOCDB_REF"
  sed -i '/internal/d' Makefile
  # Local patches, in order: 0001 lets unique indexes fall back to rum in ordered mode; 0002 fixes
  # ordered index scans past entries that VACUUM emptied ("lock BufferContent is not held").
  for patch_file in "$HERE"/documentdb-*.patch; do
    run_logged "documentdb-patch-$(basename "$patch_file" .patch)" patch -p1 -i "$patch_file"
  done
  # $ORIGIN rpath: pg_documentdb.so finds pg_documentdb_core.so beside itself in the private tree
  DD_ARGS=("${PGXS_ARGS[@]}" 'LDFLAGS_SL=-Wl,-rpath,\$$ORIGIN')
  run_logged documentdb-core "${NICE[@]}" make -C pg_documentdb_core -j"$JOBS" "${DD_ARGS[@]}"
  run_logged documentdb-api "${NICE[@]}" make -C pg_documentdb -j"$JOBS" "${DD_ARGS[@]}"
  run_logged documentdb-extended-rum "${NICE[@]}" make -C internal/pg_documentdb_extended_rum -j"$JOBS" "${DD_ARGS[@]}"
  run_logged documentdb-install bash -c 'for d in pg_documentdb_core pg_documentdb internal/pg_documentdb_extended_rum; do make -C "$d" install "$@" || exit 1; done' _ "${DD_ARGS[@]}" DESTDIR="$PGROOT"
  cd "$BUILD"; rm -rf "$BUILD/documentdb-$DOCDB_REF"
  mark "ext-documentdb-$DOCDB_REF-$DOCDB_PATCHLEVEL"; step_end documentdb
fi

# --- 6. FerretDB from the Go module proxy ------------------------------------------------------
if ! done_ "ferretdb-$FERRETDB_VERSION" || [ ! -x "$CACHE/bin/ferretdb" ]; then
  step_start "FerretDB $FERRETDB_VERSION"
  MODDIR="$(cd "$BUILD" && go mod download -json "github.com/FerretDB/FerretDB/v2@$FERRETDB_VERSION" | sed -n 's/^\s*"Dir": "\(.*\)",$/\1/p')"
  [ -d "$MODDIR" ] || fail "go mod download of FerretDB $FERRETDB_VERSION failed"
  FD="$BUILD/ferretdb-$FERRETDB_VERSION"; rm -rf "$FD"; cp -r "$MODDIR" "$FD"; chmod -R u+w "$FD"
  # v2.5.0 defines setGOMAXPROCS only for !go1.25, so it does not compile with Go >= 1.25, which
  # is cgroup-aware by itself: a no-op counterpart.
  cat > "$FD/cmd/ferretdb/gomaxprocs_go125.go" <<'EOF'
//go:build go1.25

package main

import "log/slog"

// setGOMAXPROCS is a no-op: Go 1.25+ sets GOMAXPROCS from the cgroup CPU limit itself.
func setGOMAXPROCS(logger *slog.Logger) {}
EOF
  # version files that FerretDB's `task gen-version` writes from git
  printf '%s' "$FERRETDB_VERSION" > "$FD/build/version/version.txt"
  printf '%s' "$FERRETDB_COMMIT" > "$FD/build/version/commit.txt"
  printf '%s' "$FERRETDB_VERSION" > "$FD/build/version/branch.txt"
  cd "$FD"
  run_logged ferretdb-build env GOFLAGS="-trimpath" "${NICE[@]}" go build -o "$CACHE/bin/ferretdb.partial" ./cmd/ferretdb
  mv "$CACHE/bin/ferretdb.partial" "$CACHE/bin/ferretdb"
  cd "$BUILD"; rm -rf "$FD"
  mark "ferretdb-$FERRETDB_VERSION"; step_end ferretdb
fi

{
  echo "built_at=$(date -u +%FT%TZ)"
  echo "postgresql=$("$PGBIN/postgres" --version)"
  echo "documentdb=$DOCDB_REF (FerretDB/documentdb, patch $DOCDB_PATCHLEVEL)"
  echo "libbson=$LIBBSON_REF (static) pg_cron=$PGCRON_REF pgvector=$PGVECTOR_REF"
  echo "ferretdb=$("$CACHE/bin/ferretdb" --version 2>&1 | head -1) ($(go version))"
} > "$CACHE/VERSIONS"
mark "complete-$FERRETDB_VERSION-$DOCDB_REF-$DOCDB_PATCHLEVEL"
# What a running server was started from: server.sh restarts one started from an older build.
echo "$FERRETDB_VERSION $DOCDB_REF $DOCDB_PATCHLEVEL" > "$CACHE/BUILD_ID"
log "done in $(( $(date +%s) - T_ALL ))s: $(tr '\n' ' ' < "$CACHE/VERSIONS")"
