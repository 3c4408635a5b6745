"""The Deployment controller, faithful to kubernetes/kubernetes:pkg/controller/deployment."""
