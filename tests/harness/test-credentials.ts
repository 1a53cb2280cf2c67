// Credentials the tests use where a value must pass the charm's checks: a CA
// certificate that parses, and an RSA private key made for this run.
import { generateKeyPairSync } from 'node:crypto';

/** A self-signed EC certificate (CN test-root), valid until 2036. */
export const TEST_CA = `-----BEGIN CERTIFICATE-----
MIIBfjCCASOgAwIBAgIUeEpYmlVp24J6t3fWvU14emCAtaMwCgYIKoZIzj0EAwIw
FDESMBAGA1UEAwwJdGVzdC1yb290MB4XDTI2MTEzMDAyMTM1NFoXDTM2MTEyNzAy
MTM1NFowFDESMBAGA1UEAwwJdGVzdC1yb290MFkwEwYHKoZIzj0CAQYIKoZIzj0D
AQcDQgAEKZ088vTRvrN26bhfs5DGW32augiL+cavbKvRyAIN/6OkEtUgc3LXgNoc
8ilHcIgSJ66MeBPOfL5lgc5E7eOZLqNTMFEwHQYDVR0OBBYEFC9e2uJydDT4wH2V
P6m5qHIi96e+MB8GA1UdIwQYMBaAFC9e2uJydDT4wH2VP6m5qHIi96e+MA8GA1Ud
EwEB/wQFMAMBAf8wCgYIKoZIzj0EAwIDSQAwRgIhAOikNtVaX+y7ISDzZfTLPrp+
g8i+lcrF6gmf+WH4hwVaAiEAl9P3JmPEyt1cQ7YIAbjt5W76NZ8lPBAmEsZxRi0P
5MY=
-----END CERTIFICATE-----`;

/** PKCS#8 PEM of an RSA key made for this test run (small: only its shape is checked). */
export const TEST_PRIVATE_KEY = generateKeyPairSync('rsa', { modulusLength: 1024 }).privateKey.export({
  type: 'pkcs8',
  format: 'pem',
}) as string;
