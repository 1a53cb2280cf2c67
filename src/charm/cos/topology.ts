// Juju topology: which model, application, unit and charm a metric, alert or log line comes
// from, as the COS charm libraries name it (docs/juju-pebble-contract.md §2.6).

export interface JujuTopology {
  model: string;
  modelUuid: string;
  application: string;
  unit: string;
  charmName: string;
}

export const CHARM_NAME = 'temporal-worker-k8s';

/** From the hook's environment (JUJU_MODEL_NAME, JUJU_MODEL_UUID, JUJU_UNIT_NAME). */
export function topologyFromEnvironment(env: NodeJS.ProcessEnv): JujuTopology {
  const unit = env.JUJU_UNIT_NAME ?? `${CHARM_NAME}/0`;
  return {
    model: env.JUJU_MODEL_NAME ?? '',
    modelUuid: env.JUJU_MODEL_UUID ?? '',
    application: unit.split('/')[0]!,
    unit,
    charmName: CHARM_NAME,
  };
}

/** `<model>_<first 8 of the uuid>_<application>`: job, group and file names. */
export function topologyIdentifier(topology: JujuTopology): string {
  return `${topology.model}_${topology.modelUuid.slice(0, 8)}_${topology.application}`.replace(/\//g, '_');
}

/** `scrape_metadata`: the consumer reads these five keys. */
export function topologyMetadata(topology: JujuTopology): Record<string, string> {
  return {
    model: topology.model,
    model_uuid: topology.modelUuid,
    application: topology.application,
    unit: topology.unit,
    charm_name: topology.charmName,
  };
}

/** The labels Prometheus puts on every series of the application (never the unit). */
export function topologyLabels(topology: JujuTopology): Record<string, string> {
  return {
    juju_model: topology.model,
    juju_model_uuid: topology.modelUuid,
    juju_application: topology.application,
    juju_charm: topology.charmName,
  };
}

/** What an alert expression filters on: model, uuid and application (not the unit, not the charm). */
export function topologyMatchers(topology: JujuTopology): string {
  const { juju_model, juju_model_uuid, juju_application } = topologyLabels(topology);
  return Object.entries({ juju_model, juju_model_uuid, juju_application })
    .map(([key, value]) => `${key}=${JSON.stringify(value)}`)
    .join(',');
}
