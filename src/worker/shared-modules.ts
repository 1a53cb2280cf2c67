// The activities module of a workflows package is bundled with
// @temporalio/activity, @temporalio/common and prom-client left out, so that it
// uses the worker's own instances (Context.current(), heartbeat, cancellation and
// the metrics registry the worker serves live in module state). Wherever the
// package is unpacked, those requests resolve from the worker's directory.
import Module from 'node:module';

const SHARED = /^(@temporalio\/(activity|common)|prom-client)(\/.*)?$/;

interface ModuleInternals {
  _resolveFilename(request: string, parent: unknown, isMain: boolean, options?: { paths?: string[] }): string;
}

let installed = false;

export function shareWorkerModules(workerDir: string): void {
  if (installed) return;
  installed = true;
  const internals = Module as unknown as ModuleInternals;
  const resolve = internals._resolveFilename;
  internals._resolveFilename = function (request, parent, isMain, options) {
    if (SHARED.test(request)) return resolve.call(this, request, parent, isMain, { paths: [workerDir] });
    return resolve.call(this, request, parent, isMain, options);
  };
}
