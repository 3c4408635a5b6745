"""The ReplicaSet controller (kubernetes/kubernetes:pkg/controller/replicaset)."""
