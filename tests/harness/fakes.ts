// The in-memory stand-ins for the two seams of the charm (src/juju/types.ts,
// src/pebble/types.ts) that the unit tests import from here: the Juju simulator run
// in-process, and the in-memory Pebble.
export { FakeJuju, type StatusEntry } from './juju-simulator/in-process-juju';
export { FakePebble, type FakeFile } from './fake-pebble';
