// How a hook-tool process finds the simulated unit agent: the stand-ins for
// JUJU_AGENT_SOCKET_ADDRESS, set in the environment of every hook the harness runs.

/** The state file the hook-tool executables work on. */
export const STATE_FILE_ENV = 'FAKE_JUJU_STATE';
/** The request FIFO of the agent the fast hook-tool clients talk to. */
export const AGENT_ENV = 'FAKE_JUJU_AGENT';
