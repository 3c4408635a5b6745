"""Object model: kinds, defaults, validation and manifest loading, over Kubernetes-shaped dicts."""
