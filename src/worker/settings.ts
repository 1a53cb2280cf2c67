// The worker's settings, from the environment the charm renders (the settings table's
// names); secrets arrive in the same environment once the secrets file is loaded.
import { readFileSync } from 'node:fs';
import {
  describeEnvironmentProblems,
  fileEnv,
  readSettings,
  spec,
  type SettingKey,
  type Settings,
} from '../contract/settings';
import { unsupportedAuthProvider } from '../temporal/auth/providers';

/** Throws an Error whose message names every bad setting (never its value). */
export function loadWorkerSettings(
  env: NodeJS.ProcessEnv = process.env,
  readFile: (file: string) => string = (file) => readFileSync(file, 'utf8'),
): Settings {
  // A large setting comes in a file the layer names by `<env>_FILE` (SettingSpec.file).
  const fromFile = (key: SettingKey) => {
    const file = spec(key).file ? env[fileEnv(key)] : undefined;
    if (!file) return undefined;
    try {
      return readFile(file);
    } catch (error) {
      throw new Error(
        `cannot read ${fileEnv(key)} ${file}: ${(error as NodeJS.ErrnoException).code ?? 'error'}`,
      );
    }
  };
  const result = readSettings((key) => env[spec(key).env] ?? fromFile(key));
  if (!result.ok) throw new Error(`invalid worker settings: ${describeEnvironmentProblems(result.problems)}`);
  const unsupported = unsupportedAuthProvider(result.settings.authProvider);
  if (unsupported) throw new Error(unsupported);
  return result.settings;
}
