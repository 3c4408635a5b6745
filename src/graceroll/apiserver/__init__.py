"""The Kubernetes-style HTTP API over a store: discovery, CRUD, patch, watch, subresources, auth."""
