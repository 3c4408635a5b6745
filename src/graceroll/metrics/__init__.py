"""The engine's ``/metrics``: Prometheus text format, with the official ``prometheus_client``.

What is counted where:

* ``controllers.py`` — counters kept as reconciles happen (they cannot be read back later):
  ``graceroll_controller_reconcile_total{controller,result}`` (result: success, requeue_after,
  conflict, error), ``graceroll_controller_reconcile_errors_total{controller}``,
  ``graceroll_controller_reconcile_duration_seconds{controller}`` (histogram), and, read from
  the work queue at scrape time, ``graceroll_workqueue_depth{controller}``. The names follow
  controller-runtime's (``controller_runtime_reconcile_total``, ``workqueue_depth``) under
  graceroll's prefix, since the result labels differ.
* ``rollouts.py`` and ``objects.py`` — custom collectors that read the store when Prometheus
  scrapes, so nothing is kept between scrapes and nothing can drift:
  ``graceroll_rollout_{desired,current,updated,ready,available}_replicas``,
  ``graceroll_rollout_paused``, ``graceroll_rollout_complete``, ``graceroll_rollout_failed``
  (labels kind, namespace, name; every kind with a rollout view: Deployment, CloneSet,
  GameStatefulSet, MesosDeployment), ``graceroll_pods{namespace,phase,ready}`` and
  ``graceroll_store_objects{kind}``. A scrape costs one pass over the workloads and the pods
  (the store hands out shared objects, no copies) on the engine's event loop, the only place
  the store may be read: about 23 ms for 1,100 pods (``bench/observability_cost.py``).
* ``registry.py`` — one registry per engine (never the process-global one: tests run several
  engines in one process), with ``graceroll_engine_info{version,python}``, the standard
  ``process_*`` metrics and the collectors above.
* ``traffic.py`` — **the place for the data plane's traffic metrics**: per Service and pod
  revision, ``graceroll_service_requests_total``, ``graceroll_service_request_failures_total{kind}``
  and ``graceroll_service_request_duration_seconds`` (histogram). A data plane (the built-in
  proxy, HAProxy) registers a ``TrafficSource`` with ``EngineMetrics.add_traffic_source``; the
  collector renders whatever the sources hold at scrape time. A source answers from memory
  (the counters its proxy process last reported); ``/metrics`` first awaits the sources'
  ``refresh()`` (``dataplane.traffic``: one fetch over the data plane's control socket when the
  copy is older than a second), so ``collect`` itself does no I/O. Until a data
  plane registers one, these series are absent, and the dashboard says "no traffic data".

Authentication: ``/metrics`` is served by the API server and needs the API's bearer token, like
a Kubernetes API server's ``/metrics`` (it names every workload; it is not public). Prometheus
sends it from the data dir (``docs/cli.md`` has the whole scrape config)::

    scheme: https
    authorization: {credentials_file: <data dir>/token}
    tls_config: {ca_file: <data dir>/tls.crt}
"""
