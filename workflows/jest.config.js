// Two projects: `unit` runs in-process (against local HTTP stand-ins and, for the workflow,
// the Temporal dev server); `integration` also starts a real Kafka broker, and `npm test`
// runs it serially. The tools come from `npm run setup` at the repository root. The
// repository root's jest config adds its own tests to these two projects.
const path = require('node:path');

// The swc options are given here rather than read from a .swcrc in the working directory,
// so the tests compile alike when jest runs from this folder or from the repository root.
const swcOptions = {
  jsc: { parser: { syntax: 'typescript' }, target: 'es2022' },
  module: { type: 'commonjs' },
  sourceMaps: 'inline',
  swcrc: false,
};

/** A project running tests/<folder>/**\/*.test.ts (absolute, so it can be reused from elsewhere). */
function project(displayName, folder) {
  return {
    displayName,
    transform: { '^.+\\.(t|j)s$': ['@swc/jest', swcOptions] },
    testEnvironment: 'node',
    testMatch: [path.join(__dirname, 'tests', folder, '**', '*.test.ts')],
  };
}

module.exports = {
  // Global-only options: jest ignores them inside a project entry.
  testTimeout: 120000,
  slowTestThreshold: 60,
  projects: [project('unit', 'unit'), project('integration', 'integration')],
};
