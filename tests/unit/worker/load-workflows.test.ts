import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as vm from 'node:vm';
import { selectNames } from '../../../src/contract/name-selection';
import { loadWorkflowsPackage, narrowWorkflowBundle } from '../../../src/worker/load-workflows';

const manifest = {
  name: 'pkg',
  version: '1.0.0',
  temporalSdkVersion: '1.24.0',
  workflowBundle: 'workflow-bundle.js',
  activities: 'activities.js',
  workflowNames: ['A', 'B', 'C'],
  activityNames: ['one', 'two'],
};
// Shaped like bundleWorkflowCode's output: a `__TEMPORAL__` var library, source map comment last.
const bundle =
  'var __TEMPORAL__ = { importWorkflows: function () { return { A: 1, B: 2, C: 3, helper: 4 }; } };' +
  '\n//# sourceMappingURL=data:application/json;base64,e30=';

describe('selectNames', () => {
  it('takes everything for all, and the selected names in manifest order otherwise', () => {
    expect(selectNames('workflow', manifest, 'all')).toEqual(['A', 'B', 'C']);
    expect(selectNames('workflow', manifest, ['C', 'A'])).toEqual(['A', 'C']);
  });

  it('names the unknown ones and what the package has', () => {
    expect(() =>
      selectNames('activity', { ...manifest, activityNames: ['one'] }, ['one', 'nope', 'nada']),
    ).toThrow(
      "supported-activities names 'nope', 'nada', which the workflows package pkg 1.0.0 does not have (it has: one)",
    );
  });
});

describe('narrowWorkflowBundle', () => {
  it('exposes only the selected workflows and keeps the source map comment last', () => {
    const narrowed = narrowWorkflowBundle(bundle, ['A', 'C']);
    expect(narrowed.endsWith('//# sourceMappingURL=data:application/json;base64,e30=')).toBe(true);
    const context = vm.createContext({});
    vm.runInContext(narrowed, context);
    expect(vm.runInContext('__TEMPORAL__.importWorkflows()', context)).toEqual({ A: 1, C: 3 });
  });

  it('refuses a bundle that bundleWorkflowCode did not make', () => {
    expect(() => narrowWorkflowBundle('var x = 1;', ['A'])).toThrow(/source map/);
  });
});

describe('loadWorkflowsPackage', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(path.join(os.tmpdir(), 'workflows-package-'));
    writeFileSync(path.join(dir, 'manifest.json'), JSON.stringify(manifest));
    writeFileSync(path.join(dir, 'workflow-bundle.js'), bundle);
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  const activitiesModule = { one: () => 1, two: () => 2 };

  it('uses the bundle file untouched when every workflow is selected', () => {
    const loaded = loadWorkflowsPackage(
      dir,
      { workflows: 'all', activities: ['two'] },
      '1.24.0',
      () => activitiesModule,
    );
    expect(loaded.selectsAllWorkflows).toBe(true);
    expect(loaded.workflowBundlePath).toBe(path.join(dir, 'workflow-bundle.js'));
    expect(Object.keys(loaded.activities)).toEqual(['two']);
  });

  it('narrows the bundle when only some workflows are selected', () => {
    const loaded = loadWorkflowsPackage(
      dir,
      { workflows: ['B'], activities: 'all' },
      '1.24.0',
      () => activitiesModule,
    );
    expect(loaded.selectsAllWorkflows).toBe(false);
    expect(loaded.workflowBundleCode).toContain('["B"]');
  });

  it('fails loudly on another SDK version', () => {
    expect(() =>
      loadWorkflowsPackage(dir, { workflows: 'all', activities: 'all' }, '1.25.0', () => activitiesModule),
    ).toThrow('the workflows package was built with Temporal SDK 1.24.0, but this worker runs 1.25.0');
  });

  it('fails when the activities module lacks a listed activity', () => {
    expect(() =>
      loadWorkflowsPackage(dir, { workflows: 'all', activities: 'all' }, '1.24.0', () => ({ one: () => 1 })),
    ).toThrow(/does not export a function 'two'/);
  });

  it('fails on a missing manifest with its path', () => {
    rmSync(path.join(dir, 'manifest.json'));
    expect(() =>
      loadWorkflowsPackage(dir, { workflows: 'all', activities: 'all' }, '1.24.0', () => ({})),
    ).toThrow(path.join(dir, 'manifest.json'));
  });
});
