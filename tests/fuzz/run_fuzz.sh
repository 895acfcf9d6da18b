#!/usr/bin/env bash
# run_fuzz.sh TARGET SOURCE...: runs one libFuzzer target for a bounded
# time on seeds gathered from the sources, and fails on any crash, leak,
# timeout or out-of-memory (libFuzzer then exits non-zero).
#
# SOURCE is one of:
#   DIR          every regular file in DIR is a seed
#   FILE         FILE is a seed
#   lines=FILE   every SL_FUZZ_LINE_STEP-th line of FILE (default 50) is a
#                seed, line ending included
#   gen=SCRIPT   SCRIPT NAME DIR writes the seeds of target NAME (TARGET
#                without its fuzz_ prefix) into DIR; run with
#                $SL_FUZZ_PYTHON (default python3)
#   -FLAG        passed to libFuzzer as it is (-max_len=N, ...)
#
# Everything lives in the build tree next to TARGET, in work-NAME/:
# corpus/ (kept between runs, so coverage accumulates), seeds/ (rebuilt
# each run) and the artifacts libFuzzer writes (crash-*, leak-*,
# timeout-*, oom-*). A failure prints the command that reproduces it.
#
# SL_FUZZ_SECONDS (default 30) bounds the run.
set -euo pipefail

[ $# -ge 1 ] || { echo "usage: $0 TARGET SOURCE..." >&2; exit 2; }
target=$(cd "$(dirname "$1")" && pwd)/$(basename "$1")
shift
name=$(basename "$target")
name=${name#fuzz_}
work=$(dirname "$target")/work-$name
seeds=$work/seeds
corpus=$work/corpus
step=${SL_FUZZ_LINE_STEP:-50}
seconds=${SL_FUZZ_SECONDS:-30}
python=${SL_FUZZ_PYTHON:-python3}
flags=()

rm -rf "$seeds"
mkdir -p "$seeds" "$corpus"
for src in "$@"; do
	case "$src" in
	-*)
		flags+=("$src")
		;;
	lines=*)
		file=${src#lines=}
		[ -f "$file" ] || { echo "run_fuzz: no file $file" >&2; exit 2; }
		awk -v step="$step" -v out="$seeds/$(basename "$file")" \
			'(NR - 1) % step == 0 {
				f = sprintf("%s-%06d", out, NR)
				printf "%s\n", $0 > f
				close(f)
			}' "$file"
		;;
	gen=*)
		"$python" "${src#gen=}" "$name" "$seeds"
		;;
	*)
		if [ -d "$src" ]; then
			find "$src" -maxdepth 1 -type f -exec cp -t "$seeds" {} +
		elif [ -f "$src" ]; then
			cp "$src" "$seeds/"
		else
			echo "run_fuzz: no seed source $src" >&2
			exit 2
		fi
		;;
	esac
done
echo "run_fuzz: $name: $(find "$seeds" -type f | wc -l) seeds," \
	"$(find "$corpus" -type f | wc -l) corpus inputs, ${seconds}s"

# UBSan only reports and goes on unless told to stop; a report must be a
# crash libFuzzer records.
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-halt_on_error=1:print_stacktrace=1}

rc=0
touch "$work/.started"
"$target" -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 \
	-print_final_stats=1 -artifact_prefix="$work/" "${flags[@]}" \
	"$corpus" "$seeds" || rc=$?
if [ "$rc" -ne 0 ]; then
	echo "run_fuzz: $name failed (exit $rc)" >&2
	find "$work" -maxdepth 1 -type f -newer "$work/.started" \
		\( -name 'crash-*' -o -name 'leak-*' -o -name 'timeout-*' \
		-o -name 'oom-*' \) -print0 |
		while IFS= read -r -d '' f; do
			echo "run_fuzz: reproduce with: $target $f" >&2
		done
fi
exit "$rc"
