variable "app_name" {
  description = "Name of the application in the Juju model."
  type        = string
  default     = "temporal-worker-k8s"
}

variable "model" {
  description = "UUID of the Kubernetes model to deploy into (`juju show-model <name> --format json | jq -r '.[].\"model-uuid\"'`)."
  type        = string
}

variable "charm_path" {
  description = "Path to a packed charm (`npm run pack` writes temporal-worker-k8s_ubuntu@24.04-amd64.charm). When null, the charm comes from Charmhub (`channel`, `revision`)."
  type        = string
  default     = null
}

variable "channel" {
  description = "Charmhub channel, when `charm_path` is null."
  type        = string
  default     = "latest/edge"
}

variable "revision" {
  description = "Charmhub revision, when `charm_path` is null; null takes the channel's latest."
  type        = number
  default     = null
}

variable "base" {
  description = "Base the charm runs on."
  type        = string
  default     = "ubuntu@24.04"
}

variable "units" {
  description = "Number of units; every unit runs a worker polling the same queue."
  type        = number
  default     = 2
}

variable "constraints" {
  description = "Juju constraints of the application."
  type        = string
  default     = "arch=amd64"
}

variable "config" {
  description = "Charm options (config.yaml) except the secret ones, which have their own sensitive variables, e.g. { host = \"temporal:7233\", namespace = \"rocks\", queue = \"oci-factory\", auth-provider = \"google\" }."
  type        = map(string)
  default     = {}
}

variable "encryption_key" {
  description = "Charm option `encryption-key`: base64 AES-128/256 key for payload encryption (temporal-lib-py compatible)."
  type        = string
  sensitive   = true
  default     = null
}

variable "oidc_private_key" {
  description = "Charm option `oidc-private-key`: the Google service account's PEM private key, for auth-provider google."
  type        = string
  sensitive   = true
  default     = null
}

variable "candid_private_key" {
  description = "Charm option `candid-private-key`, for auth-provider candid."
  type        = string
  sensitive   = true
  default     = null
}

variable "environment" {
  description = "Charm option `environment`: YAML of env values and juju secret references for the activities (its values may be secret)."
  type        = string
  sensitive   = true
  default     = null
}

variable "sentry_dsn" {
  description = "Charm option `sentry-dsn` (it holds Sentry's client key)."
  type        = string
  sensitive   = true
  default     = null
}

variable "image" {
  description = "OCI image for the `temporal-worker-image` resource: a stock Node 24 image (the charm pushes the worker into it). Null leaves the resource to `resources` or the charm's Charmhub default."
  type        = string
  default     = "node:24-bookworm-slim"
}

variable "resources" {
  description = "Charmhub resource revisions by resource name, e.g. { workflows-file = \"12\" }. File resources from local paths go in `env_file` and `workflows_file` instead."
  type        = map(string)
  default     = {}
}

variable "env_file" {
  description = "Path of the dotenv file to attach as the `env-file` resource (the activities' Kafka, registry, Swift, GitHub and Mattermost settings). Attached again whenever its content changes."
  type        = string
  default     = null
}

variable "workflows_file" {
  description = "Path of the workflows package to attach as the `workflows-file` resource (`npm run build` writes dist/oci-factory-workflows-0.0.1.tgz). Null runs the workflows package the charm bundles."
  type        = string
  default     = null
}
