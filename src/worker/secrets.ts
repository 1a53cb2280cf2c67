// The secrets file the charm pushes (mode 0600, JSON object of env name → value):
// loaded into process.env before anything reads settings, since activities read
// their credentials from process.env.
import { readFileSync } from 'node:fs';

export function loadSecretsFile(file: string | undefined, env: NodeJS.ProcessEnv = process.env): number {
  if (!file) return 0;
  let parsed: unknown;
  try {
    parsed = JSON.parse(readFileSync(file, 'utf8'));
  } catch (error) {
    const reason = (error as NodeJS.ErrnoException).code ?? 'not valid JSON';
    throw new Error(`cannot read the secrets file ${file}: ${reason}`);
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    throw new Error(`the secrets file ${file} is not a JSON object`);
  }
  let count = 0;
  for (const [name, value] of Object.entries(parsed)) {
    if (typeof value !== 'string')
      throw new Error(`the secrets file ${file} holds a non-string value for ${name}`);
    // A NUL would silently cut the value short in every process the worker starts.
    if (value.includes('\0')) throw new Error(`the secrets file ${file} holds a NUL byte in ${name}`);
    env[name] = value;
    count++;
  }
  return count;
}
