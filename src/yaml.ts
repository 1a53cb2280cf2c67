// `yaml` costs a hook ~15 ms and several MiB of memory to load, and most hooks read no YAML
// (an idle update-status reads no plan, no `environment`, no alert rules): each caller loads
// it where it first needs it.
export function loadYaml(): typeof import('yaml') {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  return require('yaml') as typeof import('yaml');
}
