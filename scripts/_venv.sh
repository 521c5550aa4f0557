# Sourced by scripts/run and scripts/test: make .venv and install into it, only when needed.
# A stamp file in .venv holds the hash of pyproject.toml at the last install, so a second
# call starts at once; a changed pyproject.toml (new dependency, entry point) installs again.
# The package is installed editable: changes to the code itself need no reinstall.

# venv_install SPEC STAMP [OTHER_STAMP ...]: pip install -e SPEC unless STAMP (or one of the
# OTHER_STAMPs, installs that include this one) matches pyproject.toml.
venv_install() {
  local spec="$1" stamp
  if [ ! -x .venv/bin/python ]; then
    python3 -m venv .venv
  fi
  local want
  want="$(.venv/bin/python -c 'import hashlib; print(hashlib.sha256(open("pyproject.toml", "rb").read()).hexdigest())')"
  shift
  for stamp in "$@"; do
    if [ "$(cat ".venv/$stamp" 2>/dev/null)" = "$want" ]; then
      return 0
    fi
  done
  .venv/bin/python -m pip install --quiet --disable-pip-version-check -e "$spec"
  echo "$want" >".venv/$1"
}
