#!/bin/sh
# The fast hook-tool client: hands one call (tool name, JUJU_CONTEXT_ID, JUJU_REMOTE_UNIT,
# cwd, arguments) to the simulated unit agent at FAKE_JUJU_AGENT and prints its answer, as
# Juju's own hook tools hand theirs to the unit agent. It holds no semantics: the agent
# (agent.ts) runs the same runHookTool as every other transport. stdin is sent only when
# the agent asks for it, as Juju does. Only sh builtins and one mkfifo: a call costs a few
# ms, so the benchmark of the hooks measures the charm and not its tools.
agent=${FAKE_JUJU_AGENT:-}
if [ ! -p "$agent" ]; then
  echo "ERROR no fake unit agent at '$agent' (FAKE_JUJU_AGENT): hook tools only work while a hook runs" >&2
  exit 1
fi
# The reply FIFO; the agent removes it, and the files beside it, once it has answered.
call="$agent.$$"
mkfifo -m 600 "$call" 2>/dev/null || { call=$(mktemp -u "$agent.XXXXXX") && mkfifo -m 600 "$call"; } || exit 1
exec 3<>"$call"
printf '%s\0' "${0##*/}" "${JUJU_CONTEXT_ID:-}" "${JUJU_REMOTE_UNIT:-}" "$PWD" "$@" >"$call.request"
echo "$call" >"$agent" || exit 1
# The answer: `<exit code> <stdout lines> <stdout ends with a newline: 1|0> <stderr lines> <likewise>`,
# then the lines; or `stdin` when the tool reads stdin.
read -r code out_lines out_eol err_lines err_eol <&3
if [ "$code" = stdin ]; then
  cat >"$call.stdin"
  echo "$call" >"$agent" || exit 1
  read -r code out_lines out_eol err_lines err_eol <&3
fi
# copy <lines> <ends with a newline> <fd>
copy() {
  n=0
  while [ "$n" -lt "$1" ]; do
    IFS= read -r line <&3
    n=$((n + 1))
    if [ "$n" -lt "$1" ] || [ "$2" = 1 ]; then printf '%s\n' "$line" >&"$3"; else printf '%s' "$line" >&"$3"; fi
  done
}
copy "$out_lines" "$out_eol" 1
copy "$err_lines" "$err_eol" 2
exit "$code"
