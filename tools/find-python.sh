#!/usr/bin/env bash
# Print a Python interpreter the assistant can run on, 3.9-3.10 (Rasa 3.6 runs on 3.8-3.10, the
# code uses zoneinfo): $PYTHON, then python3.10, then pyenv's 3.10.13. Fail with a clear message
# when none works.
set -u
candidates=("${PYTHON:-}" python3.10)
if command -v pyenv >/dev/null 2>&1; then
  candidates+=("$(pyenv prefix 3.10.13 2>/dev/null)/bin/python")
fi
for candidate in "${candidates[@]}"; do
  [ -n "$candidate" ] || continue
  if "$candidate" -c 'import sys; sys.exit(0 if (3, 9) <= sys.version_info[:2] <= (3, 10) else 1)' >/dev/null 2>&1; then
    command -v "$candidate"
    exit 0
  fi
done
echo "error: the assistant needs Python 3.9-3.10 (Rasa 3.6, zoneinfo) and none was found." >&2
echo "       Set PYTHON=/path/to/python3.10, put python3.10 on PATH, or run: pyenv install 3.10.13" >&2
exit 1
