#!/bin/sh
# The fast hook-tool client: hands one call (tool name, JUJU_CONTEXT_ID, JUJU_REMOTE_UNIT,
# cwd, arguments) to the simulated unit agent at FAKE_JUJU_AGENT and prints its answer, as
# Juju's own hook tools hand theirs to the unit agent. It holds no semantics: the agent
# (agent.ts) runs the same runHookTool as every other transport. stdin is sent only when
# the agent asks for it, as Juju does.
agent=${FAKE_JUJU_AGENT:-}
if [ ! -p "$agent" ]; then
  echo "ERROR no fake unit agent at '$agent' (FAKE_JUJU_AGENT): hook tools only work while a hook runs" >&2
  exit 1
fi
call=$(mktemp -d "$agent.XXXXXX") || exit 1
trap 'rm -rf "$call"' EXIT
printf '%s\0' "${0##*/}" "${JUJU_CONTEXT_ID:-}" "${JUJU_REMOTE_UNIT:-}" "$PWD" "$@" >"$call/request"
mkfifo "$call/reply" || exit 1
exec 3<>"$call/reply"
echo "$call" >"$agent" || exit 1
read -r code <&3
if [ "$code" = stdin ]; then
  cat >"$call/stdin"
  echo "$call" >"$agent" || exit 1
  read -r code <&3
fi
[ -s "$call/stdout" ] && cat "$call/stdout"
[ -s "$call/stderr" ] && cat "$call/stderr" >&2
exit "$code"
