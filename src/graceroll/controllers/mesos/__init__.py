"""The BCS Mesos deployment: applications (versions) of taskgroups, and the rolling cycle between them.

- ``taskgroup``   a Mesos container template → a pod spec
- ``cycle``       one rolling step at a time (pure; bcs-scheduler ``scheduler/deployment.go``)
- ``application`` keeps an application's ``spec.instance`` pods, lowest indices kept
- ``placement``   the ``UNIQUE`` constraint against the nodes (pure)
- ``binding``     which application a new deployment runs: create, bind or replace (pure)
- ``deployment``  creates, scales, updates (new ``<name>-v<unix seconds>`` application), pauses, resumes, cancels
"""

CONTROL_ANNOTATION = "mesos.bcs.tencent.com/update-control"  # pause | resume | cancel, consumed by the controller
INDEX_LABEL = "mesos.bcs.tencent.com/instance-index"
APPLICATION_LABEL = "mesos.bcs.tencent.com/application"
DEFINE_ANNOTATION = "mesos.bcs.tencent.com/define-instances"
ROLLING_ANNOTATION = "mesos.bcs.tencent.com/rolling-update"  # RollingUpdateDown (old) | RollingUpdateUp (new)
