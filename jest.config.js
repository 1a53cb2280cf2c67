// Two projects: `unit` runs in-process with fakes; `integration` starts real
// Pebble, Temporal and Kafka (installed by `npm run setup`) and runs serially.
const transform = { '^.+\\.(t|j)s$': ['@swc/jest'] };

module.exports = {
  // Global-only options: jest ignores them inside a project entry.
  testTimeout: 120000,
  slowTestThreshold: 60,
  projects: [
    {
      displayName: 'unit',
      transform,
      testEnvironment: 'node',
      testMatch: ['<rootDir>/tests/unit/**/*.test.ts', '<rootDir>/workflows/tests/unit/**/*.test.ts'],
    },
    {
      displayName: 'integration',
      transform,
      testEnvironment: 'node',
      testMatch: [
        '<rootDir>/tests/integration/**/*.test.ts',
        '<rootDir>/workflows/tests/integration/**/*.test.ts',
      ],
    },
  ],
};
