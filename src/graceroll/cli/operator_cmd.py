"""``graceroll operator``: run the controllers against a real Kubernetes cluster, or print what
installs them there."""

from __future__ import annotations

import asyncio
from pathlib import Path

import typer

from graceroll.cli.engine_cmds import log_to_stderr
from graceroll.cli.output import yaml_documents

operator_app = typer.Typer(
    name="operator",
    help="Run graceroll's CloneSet, GameStatefulSet and HookRun controllers in a real Kubernetes cluster.",
    no_args_is_help=True,
)
CONTROLLERS_HELP = "Comma-separated controllers to run: cloneset, gamestatefulset, hookrun (leave cloneset out where OpenKruise already runs CloneSets)."


def _namespace(ctx: typer.Context, given: str | None) -> str | None:
    """The command's own ``--namespace``, else a global ``-n`` given on the command line, else None."""
    if given is not None:
        return given
    root = ctx.find_root()
    if getattr(root.get_parameter_source("namespace"), "name", "") == "COMMANDLINE":
        value = root.params.get("namespace")
        return str(value) if value else None
    return None


@operator_app.command()
def run(
    ctx: typer.Context,
    kubeconfig: Path | None = typer.Option(None, "--kubeconfig", help="kubeconfig file (default: $KUBECONFIG, then ~/.kube/config)."),
    context: str | None = typer.Option(None, "--context", help="kubeconfig context to use (default: its current-context)."),
    in_cluster: bool = typer.Option(False, "--in-cluster", help="Use the pod's service account (when the operator runs inside the cluster)."),
    namespace: str | None = typer.Option(None, "-n", "--namespace", help="Watch and act in this namespace only (default: all namespaces)."),
    controllers: str = typer.Option("cloneset,gamestatefulset,hookrun", "--controllers", help=CONTROLLERS_HELP),
) -> None:
    """Run the controllers against a cluster's API until SIGTERM or Ctrl-C.

    Pods are run by the cluster's kubelet; in-place updates patch the pod's image and hold the
    InPlaceUpdateReady readiness gate until the new container is up. The cluster needs the
    CloneSet, GameStatefulSet, HookTemplate and HookRun CRDs (see: graceroll operator manifests).
    """
    from graceroll.operator.choice import parse
    from graceroll.operator.run import OperatorOptions, run_operator

    chosen = parse(controllers)
    if in_cluster and (kubeconfig is not None or context is not None):
        raise typer.BadParameter("--in-cluster takes no --kubeconfig or --context")
    log_to_stderr()
    opts = OperatorOptions(kubeconfig, context, in_cluster, _namespace(ctx, namespace), chosen)
    asyncio.run(run_operator(opts))


@operator_app.command()
def manifests(
    namespace: str = typer.Option("graceroll-system", "-n", "--namespace", help="Namespace the operator is installed in."),
    image: str = typer.Option("graceroll:latest", "--image", help="Container image of the operator."),
    controllers: str = typer.Option("cloneset,gamestatefulset,hookrun", "--controllers", help=CONTROLLERS_HELP),
) -> None:
    """Print the YAML that installs the operator: CRDs, RBAC and its Deployment (apply with kubectl)."""
    from graceroll.operator.choice import parse
    from graceroll.operator.manifests import render

    typer.echo(yaml_documents(render(namespace, image, parse(controllers))), nl=False)

