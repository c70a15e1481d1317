# Sourced by benches/ab.sh and benches/same-output.sh (needs $root, the
# repository): a scratch directory $work for builds and outputs; the git
# worktrees made under it ($work/tree-*) and the directory itself are
# removed when the script exits.
work="$(mktemp -d)"
cleanup() {
  for d in "$work"/tree-*; do
    [ -d "$d" ] && git -C "$root" worktree remove --force "$d" >/dev/null 2>&1 || true
  done
  rm -rf "$work"
}
trap cleanup EXIT
