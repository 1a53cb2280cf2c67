// @ts-check
// The Temporal types the SDK's workflow thread needs. The thread decodes workflow activations
// and encodes their completions, nothing else of @temporalio/proto, yet loading that package
// builds all of Temporal's ~1,200 message types in the thread's own isolate (~8 MiB of the
// worker's RSS). The thread's build gets a root of just the types those two messages reach,
// and fails if the thread's code names any other type.
import { createRequire } from 'node:module';
import * as path from 'node:path';

/** What the workflow thread decodes and encodes. */
export const THREAD_MESSAGES = [
  'coresdk.workflow_activation.WorkflowActivation',
  'coresdk.workflow_completion.WorkflowActivationCompletion',
];

/**
 * The full root of @temporalio/proto and the protobufjs it was built with.
 * @param {string} protoPackage the folder of @temporalio/proto
 */
function loadFullRoot(protoPackage) {
  const require = createRequire(path.join(protoPackage, 'package.json'));
  const protobuf = require('protobufjs/light');
  const root = require(path.join(protoPackage, 'protos', 'json-module.js'));
  root.resolveAll();
  return { protobuf, root };
}

/**
 * The JSON descriptor of the types `messages` reach through their fields, with the
 * namespaces and enclosing types that hold them.
 * @param {any} protobuf @param {any} root @param {string[]} messages
 */
function reachableDescriptor(protobuf, root, messages) {
  const kept = new Set();
  /** @param {any} type */
  const visit = (type) => {
    if (!type || kept.has(type)) return;
    kept.add(type);
    for (let parent = type.parent; parent && parent !== root; parent = parent.parent) kept.add(parent);
    if (type instanceof protobuf.Type) for (const field of type.fieldsArray) visit(field.resolvedType);
  };
  for (const name of messages) visit(root.lookupTypeOrEnum(name));
  /** @param {any} object */
  const describe = (object) => {
    if (object instanceof protobuf.Enum) return object.toJSON();
    const json =
      object instanceof protobuf.Type ? object.toJSON() : object.options ? { options: object.options } : {};
    /** @type {any[]} */
    const children = object.nestedArray.filter((/** @type {any} */ child) => kept.has(child));
    const nested = Object.fromEntries(children.map((child) => [child.name, describe(child)]));
    if (Object.keys(nested).length > 0) json.nested = nested;
    else delete json.nested;
    return json;
  };
  return { kept, descriptor: describe(root) };
}

/**
 * The thread's Temporal types, from @temporalio/proto in `protoPackage`: `plugin` resolves
 * `@temporalio/proto` in the thread's bundle to a root of THREAD_MESSAGES' types, and `check`
 * throws if the built thread names a type that root lacks, or loads @temporalio/proto itself:
 * an SDK upgrade that uses more must update THREAD_MESSAGES.
 * @param {string} protoPackage the folder of @temporalio/proto
 * @returns {{ plugin: import('esbuild').Plugin, check: (code: string) => void }}
 */
export function threadProto(protoPackage) {
  const { protobuf, root } = loadFullRoot(protoPackage);
  const { kept, descriptor } = reachableDescriptor(protobuf, root, THREAD_MESSAGES);
  /** @type {import('esbuild').Plugin} */
  const plugin = {
    name: 'thread-proto',
    setup(build) {
      build.onResolve({ filter: /^@temporalio\/proto$/ }, () => ({
        path: 'thread-proto',
        namespace: 'thread-proto',
      }));
      build.onLoad({ filter: /.*/, namespace: 'thread-proto' }, () => ({
        loader: 'js',
        contents: [
          `const { Root } = require('protobufjs/light');`,
          `const { patchProtobufRoot } = require('@temporalio/proto/lib/patch-protobuf-root');`,
          `module.exports = patchProtobufRoot(Root.fromJSON(${JSON.stringify(descriptor)}));`,
        ].join('\n'),
      }));
    },
  };
  /** @param {string} code */
  const check = (code) => {
    if (/require\("@temporalio\/proto(\/protos[^"]*)?"\)/.test(code)) {
      throw new Error('the workflow thread still loads @temporalio/proto: its import escaped thread-proto');
    }
    const missing = new Set();
    for (const [reference] of code.matchAll(/\b(?:coresdk|temporal\.api|google\.protobuf)(?:\.\w+)+/g)) {
      const parts = reference.split('.');
      for (let length = parts.length; length > 0; length--) {
        const found = root.lookup(parts.slice(0, length).join('.'));
        if (!found) continue;
        const isType = found instanceof protobuf.Type || found instanceof protobuf.Enum;
        if (isType && !kept.has(found)) missing.add(found.fullName.slice(1));
        break;
      }
    }
    if (missing.size > 0) {
      throw new Error(
        `the workflow thread uses ${[...missing].join(', ')}, which THREAD_MESSAGES do not reach ` +
          `(scripts/thread-proto.mjs)`,
      );
    }
  };
  return { plugin, check };
}
