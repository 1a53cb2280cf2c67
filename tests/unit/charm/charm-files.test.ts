import { neededInContainer } from '../../../src/charm/charm-files';

describe('neededInContainer', () => {
  const bridge = (target: string) => `node_modules/@temporalio/core-bridge/releases/${target}/index.node`;

  it("pushes only the native bridge of the pod's architecture", () => {
    expect(neededInContainer(bridge('x86_64-unknown-linux-gnu'), 'x64')).toBe(true);
    expect(neededInContainer(bridge('aarch64-unknown-linux-gnu'), 'x64')).toBe(false);
    expect(neededInContainer(bridge('aarch64-unknown-linux-gnu'), 'arm64')).toBe(true);
    expect(neededInContainer(bridge('x86_64-unknown-linux-gnu'), 'arm64')).toBe(false);
  });

  it('pushes every other file, and every bridge on an architecture it does not know', () => {
    expect(neededInContainer('worker.js', 'x64')).toBe(true);
    expect(neededInContainer('node_modules/@temporalio/core-bridge/index.js', 'x64')).toBe(true);
    expect(neededInContainer(bridge('x86_64-unknown-linux-gnu'), 'riscv64')).toBe(true);
  });
});
