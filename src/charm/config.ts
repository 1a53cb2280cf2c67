// Validates the charm config (config-get) into what the worker needs, or says, naming the
// key, what is wrong. Messages never echo a value: several options hold secrets.
import { X509Certificate, createPrivateKey } from 'node:crypto';
import * as z from 'zod/mini';
import type { ConfigValue } from '../juju/types';
import {
  CANDID_OPTIONS,
  LOG_LEVELS,
  OIDC_OPTIONS,
  OPTION_NAMES,
  REQUIRED_OPTIONS,
  type OptionName,
} from './config-options';
import { decodeEncryptionKey } from '../workload/encryption-key';
import { parseTemporalHost } from '../workload/temporal-host';
import { asText, deriveConfig, effectiveConfig, type ConfigResult } from './config-values';

export type { CharmConfig, ConfigResult, NameSelection } from './config-values';

const text = z.string();

function textRule(isValid: (value: string) => boolean, error: string) {
  return z.string().check(z.refine((value) => value === '' || isValid(value), { error }));
}

function isUrl(value: string): boolean {
  try {
    const url = new URL(value);
    return url.protocol === 'http:' || url.protocol === 'https:';
  } catch {
    return false;
  }
}

function isPemCertificates(value: string): boolean {
  const blocks = value.match(/-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g);
  if (!blocks) return false;
  try {
    for (const block of blocks) new X509Certificate(block);
    return true;
  } catch {
    return false;
  }
}

function isPemPrivateKey(value: string): boolean {
  try {
    createPrivateKey(value.replace(/\\n/g, '\n'));
    return true;
  } catch {
    return false;
  }
}

function isAesKey(value: string): boolean {
  try {
    decodeEncryptionKey(value);
    return true;
  } catch {
    return false;
  }
}

const NAME_LIST = /^\s*[A-Za-z_$][\w$.-]*(\s*,\s*[A-Za-z_$][\w$.-]*)*\s*$/;
const NO_SPACES = /^\S+$/;

const OPTION_RULES: Record<OptionName, z.ZodMiniType> = {
  'log-level': z.string().check(
    z.refine((value) => (LOG_LEVELS as readonly string[]).includes(value.toLowerCase()), {
      error: `must be one of ${LOG_LEVELS.join(', ')}`,
    }),
  ),
  host: textRule(
    (value) => parseTemporalHost(value) !== null,
    'must be name[:port] with a port from 1 to 65535',
  ),
  namespace: textRule((value) => NO_SPACES.test(value), 'must not contain spaces'),
  queue: textRule((value) => NO_SPACES.test(value), 'must not contain spaces'),
  'supported-workflows': textRule(
    (value) => value === 'all' || NAME_LIST.test(value),
    "must be 'all' or comma-separated workflow names",
  ),
  'supported-activities': textRule(
    (value) => value === 'all' || NAME_LIST.test(value),
    "must be 'all' or comma-separated activity names",
  ),
  'workflows-file-name': textRule((value) => !value.includes('/'), 'must be a file name, without a folder'),
  'encryption-key': textRule(isAesKey, 'must be standard base64 of a 16- or 32-byte key'),
  'auth-provider': textRule(
    (value) => value === 'google' || value === 'candid',
    "must be empty, 'google' or 'candid'",
  ),
  'tls-root-cas': textRule(isPemCertificates, 'must hold PEM certificates'),
  'candid-url': textRule(isUrl, 'must be an http(s) URL'),
  'candid-username': text,
  'candid-public-key': text,
  'candid-private-key': text,
  'oidc-auth-type': text,
  'oidc-project-id': text,
  'oidc-private-key-id': text,
  'oidc-private-key': textRule(isPemPrivateKey, 'must be a PEM private key'),
  'oidc-client-email': textRule((value) => /^[^@\s]+@[^@\s]+$/.test(value), 'must be an email address'),
  'oidc-client-id': text,
  'oidc-auth-uri': textRule(isUrl, 'must be an http(s) URL'),
  'oidc-token-uri': textRule(isUrl, 'must be an http(s) URL'),
  'oidc-auth-cert-url': textRule(isUrl, 'must be an http(s) URL'),
  'oidc-client-cert-url': textRule(isUrl, 'must be an http(s) URL'),
  'http-proxy': textRule(isUrl, 'must be an http(s) URL'),
  'https-proxy': textRule(isUrl, 'must be an http(s) URL'),
  'no-proxy': textRule(
    (value) => !/\s/.test(value.replace(/,\s+/g, ',')),
    'must be a comma-separated list of hosts',
  ),
  'sentry-dsn': textRule(isUrl, 'must be an http(s) URL'),
  'sentry-release': text,
  'sentry-environment': text,
  'sentry-redact-params': z.boolean(),
  'sentry-sample-rate': z.number().check(z.gte(0), z.lte(1)),
};

const RULE_ERRORS: Partial<Record<OptionName, string>> = {
  'sentry-redact-params': 'must be true or false',
  'sentry-sample-rate': 'must be a number from 0 to 1',
};

function optionProblem(name: OptionName, value: ConfigValue): string | null {
  const result = OPTION_RULES[name].safeParse(value);
  if (result.success) return null;
  const issue = result.error.issues[0];
  const reason = RULE_ERRORS[name] ?? (issue?.code === 'custom' ? issue.message : 'has the wrong type');
  return `${name} ${reason}`;
}

export function validateConfig(raw: Record<string, ConfigValue | null>): ConfigResult {
  const effective = effectiveConfig(raw);
  const isEmpty = (name: OptionName) => asText(effective[name]).trim() === '';
  const problems: string[] = [];
  const missing = REQUIRED_OPTIONS.filter(isEmpty);
  if (missing.length > 0) problems.push(`missing config: ${missing.join(', ')}`);

  const invalid = OPTION_NAMES.map((name) => optionProblem(name, effective[name])).filter(
    (problem): problem is string => problem !== null,
  );
  if (invalid.length > 0) problems.push(`invalid config: ${invalid.join('; ')}`);

  if (problems.length === 0) {
    const provider = effective['auth-provider'];
    const needed = provider === 'google' ? OIDC_OPTIONS : provider === 'candid' ? CANDID_OPTIONS : [];
    const missingForProvider = needed.filter(isEmpty);
    if (missingForProvider.length > 0) {
      problems.push(`missing config for auth-provider '${provider}': ${missingForProvider.join(', ')}`);
    } else if (provider === 'candid') {
      problems.push("auth-provider 'candid' is not supported yet");
    }
  }
  if (problems.length > 0) return { ok: false, message: problems.join('; ') };
  return { ok: true, config: deriveConfig(raw) };
}
