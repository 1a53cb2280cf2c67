terraform {
  required_version = ">= 1.6"

  required_providers {
    juju = {
      source = "juju/juju"
      # 2.3 is the first series with `local_charm` (deploying a packed .charm); 3.x may break.
      version = "~> 2.3"
    }
  }
}
