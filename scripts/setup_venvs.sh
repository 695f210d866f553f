#!/usr/bin/env bash
# Create the project's two virtual environments from their lock files when missing or stale.
#   scripts/setup_venvs.sh app    -> .venv       (Python 3.11: actions, knowledge, recommender, web)
#   scripts/setup_venvs.sh rasa   -> .venv-rasa  (Python 3.10: the Rasa 3.6 server)
#   scripts/setup_venvs.sh [all]  -> both
# Packages are installed by uv (pinned in requirements/uv.txt, bootstrapped with pip into
# .venv-tools): the same lock files, resolved the same way, in seconds where pip took minutes.
# The find-links of pip's own configuration are passed on to uv (on these machines they hold
# the CPU build of torch). AISLE_INSTALLER=pip installs with pip instead.
set -euo pipefail
cd "$(dirname "$0")/.."

find_python() {  # find_python 3.10 -> path of a python3.10 interpreter
  local want="$1" candidate
  for candidate in \
      "$(command -v pyenv >/dev/null 2>&1 && pyenv root 2>/dev/null)"/versions/"$want"*/bin/python"$want" \
      "$HOME"/.pyenv/versions/"$want"*/bin/python"$want" \
      "$(command -v python"$want" || true)"; do
    if [[ -n "$candidate" && -x "$candidate" ]]; then echo "$candidate"; return 0; fi
  done
  echo "error: Python $want not found (install it with pyenv: pyenv install $want)" >&2
  return 1
}

TOOLS=.venv-tools
UV="$TOOLS/bin/uv"

installed_from() {  # installed_from DIR LOCKFILE: DIR's stamp records this lock file's digest
  [[ -f "$1/.installed" && "$(cat "$1/.installed")" == "$(sha256sum "$2" | cut -d' ' -f1)" ]]
}

stamp() {  # stamp DIR LOCKFILE: record that DIR now holds LOCKFILE's packages
  sha256sum "$2" | cut -d' ' -f1 > "$1/.installed"
}

ensure_uv() {  # installs the pinned uv into .venv-tools; prints nothing, fails softly
  installed_from "$TOOLS" requirements/uv.txt && [[ -x "$UV" ]] && return 0
  [[ -x "$TOOLS/bin/python" ]] || "$(find_python 3.11)" -m venv "$TOOLS"
  "$TOOLS/bin/python" -m pip install --quiet -r requirements/uv.txt && stamp "$TOOLS" requirements/uv.txt
}

install_lock() {  # install_lock DIR LOCKFILE
  local dir="$1" lock="$2" link
  if [[ "${AISLE_INSTALLER:-uv}" == uv ]] && ensure_uv; then
    local links=()
    for link in $("$dir/bin/python" -m pip config get global.find-links 2>/dev/null || true); do
      [[ -d "$link" ]] && links+=(--find-links "$link")
    done
    "$UV" pip install --quiet --python "$dir/bin/python" "${links[@]}" -r "$lock"
  else
    "$dir/bin/python" -m pip install --quiet --upgrade pip
    "$dir/bin/python" -m pip install --quiet -r "$lock"
  fi
}

make_venv() {  # make_venv DIR PYTHON_VERSION LOCKFILE
  local dir="$1" version="$2" lock="$3" python
  if installed_from "$dir" "$lock"; then
    touch "$dir/.installed"; echo "$dir is up to date"; return 0
  fi
  python="$(find_python "$version")"
  echo "creating $dir with $python from $lock"
  [[ -x "$dir/bin/python" ]] || "$python" -m venv "$dir"
  install_lock "$dir" "$lock"
  stamp "$dir" "$lock"
}

case "${1:-all}" in
  app)  make_venv .venv 3.11 requirements/app.lock.txt ;;
  rasa) make_venv .venv-rasa 3.10 requirements/rasa.lock.txt ;;
  all)  make_venv .venv 3.11 requirements/app.lock.txt
        make_venv .venv-rasa 3.10 requirements/rasa.lock.txt ;;
  *) echo "usage: $0 [app|rasa|all]" >&2; exit 2 ;;
esac
