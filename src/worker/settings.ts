// The worker's settings, from the environment the charm renders (the settings table's
// names); secrets arrive in the same environment once the secrets file is loaded.
import { describeEnvironmentProblems, readSettings, spec, type Settings } from '../contract/settings';
import { unsupportedAuthProvider } from '../temporal/auth/providers';

/** Throws an Error whose message names every bad setting (never its value). */
export function loadWorkerSettings(env: NodeJS.ProcessEnv = process.env): Settings {
  const result = readSettings((key) => env[spec(key).env]);
  if (!result.ok) throw new Error(`invalid worker settings: ${describeEnvironmentProblems(result.problems)}`);
  const unsupported = unsupportedAuthProvider(result.settings.authProvider);
  if (unsupported) throw new Error(unsupported);
  return result.settings;
}
