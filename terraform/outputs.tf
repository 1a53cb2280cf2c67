output "app_name" {
  description = "Name of the deployed application."
  value       = juju_application.temporal_worker.name
}

output "provides" {
  description = "Endpoints other applications can integrate with (none: the charm has only its peer relation)."
  value       = {}
}

output "requires" {
  description = "Endpoints this application can be integrated to (none)."
  value       = {}
}
