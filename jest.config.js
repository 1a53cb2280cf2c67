// Two projects: `unit` runs in-process with fakes; `integration` starts real Pebble, Temporal
// and Kafka (installed by `npm run setup`) and runs serially. Each is the workflows package's
// project of that name (workflows/jest.config.js), with the charm's tests added.
const { projects: workflowsProjects, ...globalOptions } = require('./workflows/jest.config.js');

/** The workflows package's project `displayName`, also running the root tests under tests/<folder>. */
function withRootTests(displayName, folder) {
  const project = workflowsProjects.find((candidate) => candidate.displayName === displayName);
  if (!project) throw new Error(`workflows/jest.config.js has no project '${displayName}'`);
  return { ...project, testMatch: [`<rootDir>/tests/${folder}/**/*.test.ts`, ...project.testMatch] };
}

module.exports = {
  ...globalOptions,
  projects: [withRootTests('unit', 'unit'), withRootTests('integration', 'integration')],
};
