"""graceroll as a Kubernetes operator: the same controllers against a real cluster's API."""
