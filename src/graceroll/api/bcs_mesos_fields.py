"""The fields of bcs-client's v4 ``deployment`` and ``application`` documents, and of graceroll's
``MesosDeployment`` and ``Application`` objects made from them (``unknown_fields``).

The v4 tables are the JSON names of the structs bcs-scheduler decodes (bk-bcs
``bcs-common/common/types``: ``BcsDeployment``, ``ReplicaController``, ``ObjectMeta``,
``PodTemplateSpec``, ``PodSpec``, ``Container``, ``HealthCheck``, ``Constraint``, ``RestartPolicy``,
``KillPolicy``, ``UpdatePolicy``), plus ``maxUnavailable``, the how-to's spelling of the struct
tag's ``maxUnavilable``, which graceroll reads too. Fields graceroll accepts and ignores (``type``,
``parameters``, ``resources``, ``processes``, …) are known: only keys no struct has are warned about.

graceroll's objects keep the document's values under the same keys, except that ``restartPolicy``,
``killPolicy`` and ``constraint`` move into ``spec`` and ``rollingupdate`` is ``rollingUpdate``
(bcs_mesos.convert); ``metadata`` and ``status`` are Kubernetes' and not checked here.
"""

from __future__ import annotations

from graceroll.api.unknown_fields import ANY, Fields, ListOf

META: Fields = {"name": ANY, "namespace": ANY, "creationTimestamp": ANY, "labels": ANY, "annotations": ANY, "clusterName": ANY}
_HTTP_CHECK: Fields = {"port": ANY, "portName": ANY, "scheme": ANY, "path": ANY, "headers": ANY}
_HEALTH_CHECK: Fields = {
    "type": ANY,
    "delaySeconds": ANY,
    "gracePeriodSeconds": ANY,
    "intervalSeconds": ANY,
    "timeoutSeconds": ANY,
    "consecutiveFailures": ANY,
    "command": {"value": ANY},
    "http": _HTTP_CHECK,
    "tcp": {"port": ANY, "portName": ANY},
}
_RESOURCE_LIST: Fields = {"cpu": ANY, "memory": ANY, "storage": ANY}
_DATA_ITEM: Fields = {"type": ANY, "dataKey": ANY, "dataKeyAlias": ANY, "keyOrPath": ANY, "subPath": ANY, "readOnly": ANY, "user": ANY}
CONTAINER: Fields = {
    "name": ANY,
    "hostname": ANY,
    "command": ANY,
    "args": ANY,
    "parameters": ListOf({"key": ANY, "value": ANY}),
    "type": ANY,
    "image": ANY,
    "imagePullUser": ANY,
    "imagePullPasswd": ANY,
    "imagePullPolicy": ANY,
    "privileged": ANY,
    "env": ListOf({"name": ANY, "value": ANY}),
    "workingDir": ANY,
    "ports": ListOf({"name": ANY, "hostPort": ANY, "containerPort": ANY, "hostIP": ANY, "protocol": ANY}),
    "healthChecks": ListOf(_HEALTH_CHECK),
    "resources": {"limits": _RESOURCE_LIST, "requests": _RESOURCE_LIST, "externals": ANY},
    "cpuset": ANY,
    "volumes": ListOf({"name": ANY, "volume": {"hostPath": ANY, "mountPath": ANY, "subPath": ANY, "readOnly": ANY}}),
    "configmaps": ListOf({"name": ANY, "items": ListOf(_DATA_ITEM)}),
    "secrets": ListOf({"secretName": ANY, "items": ListOf(_DATA_ITEM)}),
}
TEMPLATE: Fields = {
    "metadata": META,
    "spec": {"nodeSelector": ANY, "containers": ListOf(CONTAINER), "processes": ANY, "networkMode": ANY, "networktype": ANY, "netLimit": {"egressLimit": ANY}},
}
_CONSTRAINT_RULE: Fields = {
    "name": ANY,
    "operate": ANY,
    "type": ANY,
    "scalar": {"value": ANY},
    "ranges": ListOf({"begin": ANY, "end": ANY}),
    "text": {"value": ANY},
    "set": {"item": ANY},
}
CONSTRAINT: Fields = {"intersectionItem": ListOf({"unionData": ListOf(_CONSTRAINT_RULE)}), "nodeSelector": ANY}
RESTART_POLICY: Fields = {"policy": ANY, "interval": ANY, "backoff": ANY, "maxtimes": ANY, "hostRetainTime": ANY}
KILL_POLICY: Fields = {"gracePeriod": ANY}
_ROLLING: Fields = {"maxSurge": ANY, "upgradeDuration": ANY, "rollingManually": ANY, "rollingOrder": ANY}
_POLICIES: Fields = {"restartPolicy": RESTART_POLICY, "killPolicy": KILL_POLICY, "constraint": CONSTRAINT}
_TYPE: Fields = {"apiVersion": ANY, "kind": ANY}

V4_APPLICATION: Fields = {
    **_TYPE,
    "metadata": META,
    "spec": {"instance": ANY, "selector": ANY, "template": TEMPLATE},
    "updatePolicy": {"updateDelay": ANY, "maxRetries": ANY, "maxFailovers": ANY, "action": ANY},
    **_POLICIES,
}
V4_DEPLOYMENT: Fields = {
    **V4_APPLICATION,
    "spec": {
        "instance": ANY,
        "selector": ANY,
        "template": TEMPLATE,
        "strategy": {"type": ANY, "rollingupdate": {"maxUnavilable": ANY, "maxUnavailable": ANY, **_ROLLING}},
        "pauseDeployment": ANY,
    },
}

APPLICATION: Fields = {**_TYPE, "metadata": ANY, "spec": {"instance": ANY, "template": TEMPLATE, **_POLICIES}, "status": ANY}
MESOS_DEPLOYMENT: Fields = {
    **_TYPE,
    "metadata": ANY,
    "spec": {
        "instance": ANY,
        "selector": ANY,
        "template": TEMPLATE,
        "strategy": {"type": ANY, "rollingUpdate": {"maxUnavailable": ANY, **_ROLLING}},
        **_POLICIES,
    },
    "status": ANY,
}
