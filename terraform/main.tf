/**
 * # Terraform module for temporal-worker-k8s
 *
 * Deploys the temporal-worker-k8s charm with the Juju provider: its config (secret
 * options from sensitive variables), its image, and the `env-file` and
 * `workflows-file` resources from local files, the way `juju attach-resource` does.
 */

locals {
  charm_name = "temporal-worker-k8s"

  # Options that hold secrets: set only through their sensitive variables.
  secret_config = {
    "encryption-key"     = var.encryption_key
    "oidc-private-key"   = var.oidc_private_key
    "candid-private-key" = var.candid_private_key
    "sentry-dsn"         = var.sentry_dsn
    "environment"        = var.environment
  }

  # Every other option of config.yaml, so a misspelt key fails the plan instead of being ignored.
  plain_options = [
    "log-level",
    "host",
    "namespace",
    "queue",
    "supported-workflows",
    "supported-activities",
    "workflows-file-name",
    "auth-provider",
    "auth-secret-id",
    "tls-root-cas",
    "candid-url",
    "candid-username",
    "candid-public-key",
    "oidc-auth-type",
    "oidc-project-id",
    "oidc-private-key-id",
    "oidc-client-email",
    "oidc-client-id",
    "oidc-auth-uri",
    "oidc-token-uri",
    "oidc-auth-cert-url",
    "oidc-client-cert-url",
    "http-proxy",
    "https-proxy",
    "no-proxy",
    "sentry-release",
    "sentry-environment",
    "sentry-redact-params",
    "sentry-sample-rate",
    "db-name",
    "no-event-alert-period",
  ]

  # Whether a secret is set is not itself secret: the plan may list the key, never its value.
  config = merge(
    var.config,
    { for key, value in local.secret_config : key => value if nonsensitive(value != null) },
  )

  image_resource = "temporal-worker-image"
  resources = merge(
    var.resources,
    var.image == null ? {} : { (local.image_resource) = var.image },
  )

  # The provider takes only Charmhub revisions for file resources; local files are attached with the juju CLI.
  file_resources = {
    "env-file"       = var.env_file
    "workflows-file" = var.workflows_file
  }
  resource_files = { for name, file in local.file_resources : name => abspath(file) if file != null }
}

data "juju_model" "model" {
  uuid = var.model
}

resource "juju_application" "temporal_worker" {
  name        = var.app_name
  model_uuid  = var.model
  units       = var.units
  constraints = var.constraints
  config      = local.config
  resources   = local.resources

  dynamic "charm" {
    for_each = var.charm_path == null ? [1] : []
    content {
      name     = local.charm_name
      channel  = var.channel
      revision = var.revision
      base     = var.base
    }
  }

  dynamic "local_charm" {
    for_each = var.charm_path == null ? [] : [1]
    content {
      name = local.charm_name
      path = var.charm_path
      base = var.base
    }
  }

  lifecycle {
    precondition {
      condition     = length(setsubtract(keys(var.config), local.plain_options)) == 0
      error_message = "config has keys that are not options of ${local.charm_name}, or secret ones (encryption-key, oidc-private-key, candid-private-key, sentry-dsn, environment) that belong in their sensitive variables: ${join(", ", setsubtract(keys(var.config), local.plain_options))}."
    }
    precondition {
      condition     = length(setintersection(keys(var.resources), keys(local.resource_files))) == 0
      error_message = "env-file and workflows-file are given both as a revision in resources and as a local file."
    }
  }
}

# `juju attach-resource` for each local file, again whenever the file's content changes;
# the charm reacts to the upgrade-charm hook Juju runs after an attach.
resource "terraform_data" "attached_resource" {
  for_each = local.resource_files

  triggers_replace = {
    application = juju_application.temporal_worker.name
    model       = var.model
    sha256      = filesha256(each.value)
  }

  provisioner "local-exec" {
    command = "juju attach-resource --model \"$MODEL\" \"$APPLICATION\" \"$RESOURCE=$RESOURCE_FILE\""
    environment = {
      MODEL         = "${data.juju_model.model.owner}/${data.juju_model.model.name}"
      APPLICATION   = juju_application.temporal_worker.name
      RESOURCE      = each.key
      RESOURCE_FILE = each.value
    }
  }
}
