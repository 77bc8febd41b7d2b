#!/usr/bin/env bash
# Build the one-folder bundle with packaging/enroll_station.spec, then prove it works:
#   1. `enroll-station --version` answers with the package's version;
#   2. `enroll-station selftest --json` passes (models, quality checks, simulated enrollment);
#   3. the window starts (offscreen) in a fresh station folder and shuts down cleanly.
# Prints the bundle size and the start-up times, and a final JSON line with the numbers.
# Usage (repo root, venv with `pip install -e .[packaging]` active):
#   packaging/build_and_smoke.sh            build (incremental) + smoke test
#   SKIP_BUILD=1 packaging/build_and_smoke.sh   smoke-test the existing dist/ only
#   CLEAN=1 packaging/build_and_smoke.sh        clean build
# Runs on Linux and on Windows (Git Bash, as in .github/workflows/windows-installer.yml).
set -euo pipefail

cd "$(dirname "$0")/.."
PYTHON="${PYTHON:-python}"
DIST="dist/enroll-station"
EXE=""
case "$(uname -s)" in MINGW* | MSYS* | CYGWIN*) EXE=".exe" ;; esac
CLI="$DIST/enroll-station$EXE"
GUI="$DIST/EnrollStation$EXE"
GUI_TIMEOUT_S="${GUI_TIMEOUT_S:-120}"

now() { "$PYTHON" -c 'import time; print(f"{time.time():.3f}")'; }
elapsed() { "$PYTHON" -c "print(f'{$2 - $1:.2f}')"; }
fail() { echo "SMOKE FAILED: $*" >&2; exit 1; }

if [[ "${SKIP_BUILD:-0}" != "1" ]]; then
    clean=()
    [[ "${CLEAN:-0}" == "1" ]] && clean=(--clean)
    started=$(now)
    "$PYTHON" -m PyInstaller --noconfirm "${clean[@]}" --workpath build/pyinstaller \
        --distpath dist packaging/enroll_station.spec
    echo "build took $(elapsed "$started" "$(now)") s"
fi
[[ -x "$CLI" ]] || fail "$CLI is missing"
[[ -x "$GUI" ]] || fail "$GUI is missing"

size_mb=$("$PYTHON" -c "
import pathlib, sys
files = [p for p in pathlib.Path(sys.argv[1]).rglob('*') if p.is_file() and not p.is_symlink()]
print(round(sum(p.stat().st_size for p in files) / 1e6, 1))
" "$DIST")
echo "bundle: $DIST, $size_mb MB"

# A fresh station folder: the smoke test never touches a real station's data.
SMOKE_HOME="$(mktemp -d)"
trap 'rm -rf "$SMOKE_HOME"' EXIT
export ENROLL_STATION_HOME="$SMOKE_HOME/home"
export QT_QPA_PLATFORM=offscreen

# 1. version: the bundle runs and is the package's version.
want=$("$PYTHON" -c "import enroll_app; print(enroll_app.__version__)")
started=$(now)
got=$("$CLI" --version)
cli_start_s=$(elapsed "$started" "$(now)")
[[ "$got" == "enroll-station $want" ]] || fail "version: got '$got', want 'enroll-station $want'"
echo "version: $got (CLI start-up $cli_start_s s)"

# 2. selftest, as the installer runs it.
started=$(now)
"$CLI" selftest --json > "$SMOKE_HOME/selftest.json" || {
    cat "$SMOKE_HOME/selftest.json"
    fail "selftest did not pass"
}
selftest_s=$(elapsed "$started" "$(now)")
"$PYTHON" - "$SMOKE_HOME/selftest.json" <<'PY'
import json, sys
report = json.load(open(sys.argv[1], encoding="utf-8"))
for step in report["steps"]:
    print(f"  {'PASS' if step['ok'] else 'FAIL'}  {step['name']:<20} {step['seconds']:6.2f} s  {step['detail']}")
assert report["ok"], "selftest report is not ok"
assert "[bundled]" in report["steps"][0]["detail"], "models did not come from the bundle"
PY
echo "selftest: passed in $selftest_s s"

# 3. the window: start offscreen, wait for "main window shown" in the station log, then stop it
#    the way a service manager would (SIGTERM: the same ordered shutdown as closing the window).
log="$ENROLL_STATION_HOME/logs/station.log"
started=$(now)
"$GUI" > "$SMOKE_HOME/gui.out" 2>&1 &
gui_pid=$!
deadline=$((SECONDS + GUI_TIMEOUT_S))
until grep -q "main window shown" "$log" 2> /dev/null; do
    if ! kill -0 "$gui_pid" 2> /dev/null; then
        cat "$SMOKE_HOME/gui.out"
        fail "the window exited before it was shown"
    fi
    ((SECONDS < deadline)) || { kill "$gui_pid"; fail "the window was not shown in ${GUI_TIMEOUT_S} s"; }
    sleep 0.1
done
gui_start_s=$(elapsed "$started" "$(now)")
echo "window: shown after $gui_start_s s"
sleep 2 # let the first-start work (station services, demo offer) run before quitting
kill -TERM "$gui_pid"
gui_rc=0
wait "$gui_pid" || gui_rc=$?
if [[ -z "$EXE" ]]; then
    # POSIX: SIGTERM is handled by the window (ordered shutdown, exit 0).
    [[ "$gui_rc" == "0" ]] || { cat "$SMOKE_HOME/gui.out"; fail "window exit status $gui_rc"; }
    grep -q "station closed" "$log" || fail "no ordered shutdown in the log"
fi
if grep -qE "Traceback|CRITICAL" "$log" "$SMOKE_HOME/gui.out"; then
    cat "$log"
    fail "errors in the window's log"
fi
echo "window: closed cleanly (exit $gui_rc)"

echo "{\"bundle_mb\": $size_mb, \"cli_start_s\": $cli_start_s, \"gui_start_s\": $gui_start_s, \"selftest_s\": $selftest_s, \"ok\": true}"
