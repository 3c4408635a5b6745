"""Object stores with Kubernetes semantics (resourceVersion, generation, finalizers, GC, watch)."""
