"""The embedded engine: one process holding the store, controllers, node agent, proxy and API."""
