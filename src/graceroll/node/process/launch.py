"""From a pod manifest to a process: argv, environment, working directory and volume directories.

Pod directory (``<state_dir>/pods/<uid>/``)::

    processes.json     the process groups on record (see ``ledger``)
    volumes/<name>/    one directory per emptyDir volume
    root/              the default working directory; relative mountPaths and workingDirs live here

It is created when the pod first starts, kept across container restarts and engine restarts (same
path: the pod uid), and removed when the pod is deleted.

Claim directory (``<state_dir>/claims/<namespace>/<claimName>/``): the storage of one
PersistentVolumeClaim, outside every pod directory so that it outlives the pod. It is created when
a container first mounts the claim and removed when the claim is deleted from the store (see
``agent``); a pod recreated with the same claims (a new uid) finds the same data.

Environment, later entries win:

1. the engine's own environment (PATH, HOME, LANG …);
2. ``POD_NAME``, ``POD_NAMESPACE``, ``POD_IP``, ``GRACEROLL_IMAGE`` (the image the container was
   started with), ``GRACEROLL_IMAGE_FILE`` (``images/<container>`` in the pod directory, holding
   the current image reference: written at every start and by a hot patch before its SIGHUP, see
   ``hotpatch``), ``GRACEROLL_CONTAINER``, ``GRACEROLL_POD_UID``, ``GRACEROLL_POD_DIR`` (``root/``
   above), ``GRACEROLL_PYTHON`` (the engine's interpreter), ``PORT`` (the first containerPort, when
   the container has one) and ``GRACEROLL_VOLUME_<NAME>`` per mounted volume;
3. the manifest's ``env``: ``value`` with ``$(VAR)`` expansion over the variables of step 2 and the
   earlier entries (``$$`` is a literal ``$``), and ``valueFrom.fieldRef`` for ``metadata.name``,
   ``metadata.namespace``, ``metadata.uid``, ``metadata.labels['k']``,
   ``metadata.annotations['k']``, ``spec.nodeName`` (the pod's, else this node's name),
   ``spec.serviceAccountName``, ``status.podIP(s)`` and ``status.hostIP(s)``; ``envFrom`` and
   ``valueFrom.configMapKeyRef``/``secretKeyRef`` read ConfigMaps and Secrets of the pod's
   namespace (``config_refs``: envFrom first, then env; a missing object or key that is not
   ``optional`` keeps the container waiting with ``CreateContainerConfigError``).
   ``resourceFieldRef`` is not supported (the container waits).

``command`` and ``args`` are expanded the same way, then combined with the image (``images``).

Volumes: without privileges nothing can be bind-mounted, so a mount is made visible two ways:

- ``$GRACEROLL_VOLUME_<NAME>`` holds the directory's absolute path (NAME: the volume name
  upper-cased, other characters than letters and digits as ``_``; with ``subPath``, that
  subdirectory);
- a relative ``mountPath`` becomes a symlink ``root/<mountPath>`` to the directory, so with the
  default working directory ``open("data/x")`` finds the volume. An absolute ``mountPath`` cannot
  be honoured (unless it is the directory itself, as a ``hostPath`` at its own path): the app
  reads the environment variable instead, and ``Launch.unmounted`` names each such mount so
  that the pod gets a Warning event saying where the volume is.

``emptyDir`` is ``volumes/<name>/``; ``hostPath`` is the host path itself (created for
``type: DirectoryOrCreate``); ``persistentVolumeClaim`` is the claim directory above (the claim
object need not exist; ``readOnly`` is ignored: a directory cannot be made read-only for one process
only); ``configMap`` and ``secret`` are ``volumes/<name>/`` written by ``atomic_writer`` with
the files of ``config_refs.payload`` (a missing source fails the mount: the container waits in
``ContainerCreating`` and a ``FailedMount`` event says why), rewritten when the object changes
(``refresh_projections``). Any other volume type makes the containers wait with
``CreateContainerConfigError``.
"""

from __future__ import annotations

import os
import re
import sys
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from graceroll.api.meta import Obj
from graceroll.errors import GracerollError
from graceroll.node.process import atomic_writer, config_refs
from graceroll.node.process.hotpatch import IMAGE_FILE_ENV, image_file
from graceroll.node.process.images import ImageError, ImageResolver, ResolvedImage, command_line
from graceroll.node.process.procfs import POD_UID_ENV

CONFIG_ERROR = "CreateContainerConfigError"
CONTAINER_CREATING = "ContainerCreating"
FAILED_MOUNT = "FailedMount"
METADATA_KEY = re.compile(r"metadata\.(labels|annotations)\['([^']*)'\]")


class LaunchError(GracerollError):
    """The container cannot be started as specified; ``reason`` is its waiting reason, ``event``
    the reason of the Warning event that says why (``Failed``, or ``FailedMount`` for a volume)."""

    def __init__(self, reason: str, message: str, event: str = "Failed") -> None:
        super().__init__(message)
        self.reason = reason
        self.message = message
        self.event = event

    @property
    def event_message(self) -> str:
        return self.message if self.event == FAILED_MOUNT else f"Error: {self.message}"


def _nothing(kind: str, namespace: str, name: str) -> Obj | None:
    return None


@dataclass(frozen=True)
class PodPlace:
    """Where a pod lives on this node; ``claims_dir`` is shared by all pods (claims outlive them)."""

    pod_dir: Path
    ip: str
    host_ip: str
    node_name: str
    claims_dir: Path

    @property
    def root(self) -> Path:
        return self.pod_dir / "root"

    @property
    def volumes(self) -> Path:
        return self.pod_dir / "volumes"


@dataclass(frozen=True)
class Launch:
    argv: tuple[str, ...]
    env: dict[str, str]
    cwd: Path
    image: ResolvedImage
    ports: dict[str, int]
    unmounted: tuple[str, ...] = ()  # absolute mountPaths not honoured, each as the event says it


def named_ports(container: Obj) -> dict[str, int]:
    """containerPort by name: what probes and hooks mean by ``port: http``."""
    return {str(p["name"]): int(p["containerPort"]) for p in container.get("ports") or () if p.get("name")}


def volume_env_name(volume: str) -> str:
    return "GRACEROLL_VOLUME_" + re.sub(r"[^A-Za-z0-9]", "_", volume).upper()


def claim_dir(claims_dir: Path, namespace: str, claim: str) -> Path:
    """The directory of a PersistentVolumeClaim: keyed by namespace and name, so any pod mounting it finds it."""
    return claims_dir / _component(namespace, "namespace") / _component(claim, "claimName")


def expand(text: str, defined: Mapping[str, str]) -> str:
    """Kubernetes ``$(VAR)`` expansion: defined names are replaced, others kept verbatim, ``$$`` is ``$``."""
    out: list[str] = []
    i = 0
    while i < len(text):
        if text[i] == "$" and i + 1 < len(text):
            nxt = text[i + 1]
            if nxt == "$":
                out.append("$")
                i += 2
                continue
            if nxt == "(":
                end = text.find(")", i + 2)
                if end != -1:
                    name = text[i + 2 : end]
                    out.append(defined[name] if name in defined else text[i : end + 1])
                    i = end + 1
                    continue
        out.append(text[i])
        i += 1
    return "".join(out)


def prepare_pod_dir(pod: Obj, place: PodPlace) -> None:
    """Create the pod directory and its emptyDir volumes (kept if they exist: restarts keep data)."""
    place.root.mkdir(parents=True, exist_ok=True)
    for v in pod["spec"].get("volumes") or ():
        if "emptyDir" in v:
            (place.volumes / _component(v["name"], "volume name")).mkdir(parents=True, exist_ok=True)


def prepare_launch(
    pod: Obj,
    container: Obj,
    place: PodPlace,
    images: ImageResolver,
    base_env: Mapping[str, str] | None = None,
    lookup: config_refs.Lookup = _nothing,
) -> Launch:
    """Everything needed to start ``container``; writes its ConfigMap and Secret volumes and creates
    its mount links. ``lookup`` finds ConfigMaps and Secrets. Raises ``LaunchError``."""
    image_ref = str(container.get("image") or "")
    try:
        image = images.resolve(image_ref)
    except ImageError as e:
        raise LaunchError(e.reason, e.message) from e
    md = pod["metadata"]
    ports = named_ports(container)
    defined: dict[str, str] = {
        "POD_NAME": str(md["name"]),
        "POD_NAMESPACE": str(md.get("namespace") or "default"),
        "POD_IP": place.ip,
        "GRACEROLL_IMAGE": image_ref,
        IMAGE_FILE_ENV: str(image_file(place.pod_dir, str(container["name"]))),
        "GRACEROLL_CONTAINER": str(container["name"]),
        POD_UID_ENV: str(md.get("uid") or ""),
        "GRACEROLL_POD_DIR": str(place.root),
        "GRACEROLL_PYTHON": sys.executable,
    }
    first_port = next((p.get("containerPort") for p in container.get("ports") or ()), None)
    if first_port is not None:
        defined["PORT"] = str(first_port)
    mounts, unmounted = _mounts(pod, container, place, lookup)
    defined.update(mounts)
    namespace = str(md.get("namespace") or "default")
    try:
        defined.update(config_refs.env_from(container, namespace, lookup))
        for var in container.get("env") or ():
            value = _env_value(var, pod, place, defined, lookup)
            if value is not None:
                defined[str(var["name"])] = value
    except config_refs.ConfigRefError as e:
        raise LaunchError(CONFIG_ERROR, e.message) from e
    env = dict(os.environ if base_env is None else base_env)
    env.update(defined)
    command = [expand(str(a), defined) for a in container.get("command") or ()]
    args = [expand(str(a), defined) for a in container.get("args") or ()]
    argv = command_line(image, command or None, args or None)
    return Launch(tuple(argv), env, _working_dir(container, image, place), image, ports, unmounted)


def _env_value(var: Obj, pod: Obj, place: PodPlace, defined: Mapping[str, str], lookup: config_refs.Lookup) -> str | None:
    if "valueFrom" not in var:
        return expand(str(var.get("value") or ""), defined)
    source = var["valueFrom"] or {}
    if "fieldRef" in source:
        return field_value(pod, str(source["fieldRef"].get("fieldPath", "")), place)
    if any(key in source for key in config_refs.ENV_REFS):
        return config_refs.key_ref(source, str(pod["metadata"].get("namespace") or "default"), lookup)
    raise LaunchError(CONFIG_ERROR, f"env {var.get('name')}: valueFrom {sorted(source)} is not supported by the local node")


def field_value(pod: Obj, path: str, place: PodPlace) -> str:
    """The downward API value of ``path`` (``valueFrom.fieldRef.fieldPath``)."""
    md, spec = pod["metadata"], pod.get("spec") or {}
    simple = {
        "metadata.name": md.get("name"),
        "metadata.namespace": md.get("namespace") or "default",
        "metadata.uid": md.get("uid"),
        "spec.nodeName": spec.get("nodeName") or place.node_name,
        "spec.serviceAccountName": spec.get("serviceAccountName") or "default",
        "status.podIP": place.ip,
        "status.podIPs": place.ip,
        "status.hostIP": place.host_ip,
        "status.hostIPs": place.host_ip,
    }
    if path in simple:
        return str(simple[path] or "")
    m = METADATA_KEY.fullmatch(path)
    if m:
        return str((md.get(m.group(1)) or {}).get(m.group(2), ""))
    raise LaunchError(CONFIG_ERROR, f"fieldRef {path!r} is not supported")


def _mounts(pod: Obj, container: Obj, place: PodPlace, lookup: config_refs.Lookup) -> tuple[dict[str, str], tuple[str, ...]]:
    """The volume environment variables, and the absolute mountPaths that could not be honoured."""
    volumes = {v["name"]: v for v in pod["spec"].get("volumes") or ()}
    env: dict[str, str] = {}
    unmounted: list[str] = []
    for mount in container.get("volumeMounts") or ():
        name = str(mount.get("name", ""))
        if name not in volumes:
            raise LaunchError(CONFIG_ERROR, f'volume "{name}" is mounted but not defined in spec.volumes')
        directory = _volume_dir(volumes[name], str(pod["metadata"].get("namespace") or "default"), place, lookup)
        sub = str(mount.get("subPath") or "")
        if sub:
            directory = directory / _relative(sub, "subPath")
            if not directory.exists():  # (a key of a ConfigMap volume is a file already)
                directory.mkdir(parents=True, exist_ok=True)
        env[volume_env_name(name)] = str(directory)
        mount_path = str(mount.get("mountPath") or "")
        if mount_path and not mount_path.startswith("/"):
            _link(place.root / _relative(mount_path, "mountPath"), directory)
        elif mount_path and Path(mount_path) != directory:
            unmounted.append(f'volume "{name}" at {mount_path}: read it at ${volume_env_name(name)} ({directory})')
    return env, tuple(unmounted)


def _volume_dir(volume: Obj, namespace: str, place: PodPlace, lookup: config_refs.Lookup) -> Path:
    if "emptyDir" in volume:
        return place.volumes / _component(volume["name"], "volume name")
    if config_refs.projection_kind(volume) is not None:
        path = place.volumes / _component(volume["name"], "volume name")
        try:
            atomic_writer.write(path, config_refs.payload(volume, namespace, lookup))
        except config_refs.ConfigRefError as e:
            message = f'MountVolume.SetUp failed for volume "{volume["name"]}" : {e.message}'
            raise LaunchError(CONTAINER_CREATING, message, FAILED_MOUNT) from e
        except OSError as e:
            raise LaunchError(CONTAINER_CREATING, f'MountVolume.SetUp failed for volume "{volume["name"]}" : {e}', FAILED_MOUNT) from e
        return path
    if "persistentVolumeClaim" in volume:
        claim = str((volume["persistentVolumeClaim"] or {}).get("claimName") or "")
        path = claim_dir(place.claims_dir, namespace, claim)
        path.mkdir(parents=True, exist_ok=True)
        return path
    if "hostPath" in volume:
        host = volume["hostPath"] or {}
        path = Path(str(host.get("path") or "/"))
        if host.get("type") == "DirectoryOrCreate":
            path.mkdir(parents=True, exist_ok=True)
        return path
    kinds = sorted(k for k in volume if k != "name")
    raise LaunchError(CONFIG_ERROR, f'volume "{volume.get("name")}": {kinds} volumes are not supported by the local node')


def refresh_projections(pod: Obj, place: PodPlace, lookup: config_refs.Lookup, kind: str, name: str) -> list[str]:
    """Rewrite the mounted volumes of the pod projected from that ConfigMap or Secret (what the
    kubelet's periodic volume sync does); the names of the volumes whose files changed. A volume
    whose source is gone or broken keeps its files, as on a kubelet."""
    changed = []
    namespace = str(pod["metadata"].get("namespace") or "default")
    for volume in pod["spec"].get("volumes") or ():
        if config_refs.projection_kind(volume) != kind or config_refs.source_name(volume) != name:
            continue
        path = place.volumes / _component(volume["name"], "volume name")
        if not path.is_dir():
            continue  # not mounted yet: the container's start writes it
        try:
            if atomic_writer.write(path, config_refs.payload(volume, namespace, lookup)):
                changed.append(str(volume["name"]))
        except (config_refs.ConfigRefError, OSError):
            continue
    return changed


def _link(link: Path, target: Path) -> None:
    link.parent.mkdir(parents=True, exist_ok=True)
    if link.is_symlink():
        if Path(os.readlink(link)) == target:
            return
        link.unlink()
    elif link.exists():
        raise LaunchError(CONFIG_ERROR, f"mountPath {link} exists and is not a volume link")
    link.symlink_to(target, target_is_directory=True)


def _working_dir(container: Obj, image: ResolvedImage, place: PodPlace) -> Path:
    wd = str(container.get("workingDir") or "")
    if not wd:
        return image.working_dir or place.root
    if wd.startswith("/"):
        if not Path(wd).is_dir():
            raise LaunchError(CONFIG_ERROR, f"workingDir {wd} does not exist on this host")
        return Path(wd)
    path = place.root / _relative(wd, "workingDir")
    path.mkdir(parents=True, exist_ok=True)
    return path


def _relative(path: str, what: str) -> Path:
    p = Path(path)
    if p.is_absolute() or ".." in p.parts:
        raise LaunchError(CONFIG_ERROR, f"{what} {path!r} must be a relative path without '..'")
    return p


def _component(name: Any, what: str) -> str:
    text = str(name)
    if not text or text in (".", "..") or "/" in text:
        raise LaunchError(CONFIG_ERROR, f"{what} {text!r} is not usable as a directory name")
    return text
