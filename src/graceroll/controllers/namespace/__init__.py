"""The namespace controller: what deleting a Namespace does to everything in it."""
