"""The verbs on the command line: argument parsing, output, errors and ``run_command``."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

import graceroll.api.builtin  # noqa: F401  (registers the kinds)
from graceroll.api.admission import admit
from graceroll.api.meta import clone
from graceroll.cli.commands import run_command, split_target, verbs_app
from graceroll.clock import VirtualClock
from graceroll.errors import NotFound, UsageError
from graceroll.store.memory import MemoryStore

WEB: dict[str, Any] = {
    "apiVersion": "apps/v1",
    "kind": "Deployment",
    "metadata": {"name": "web"},
    "spec": {
        "selector": {"matchLabels": {"app": "web"}},
        "template": {"metadata": {"labels": {"app": "web"}}, "spec": {"containers": [{"name": "app", "image": "web:1"}]}},
    },
}
WEB_YAML = """\
apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
spec:
  selector:
    matchLabels: {app: web}
  template:
    metadata:
      labels: {app: web}
    spec:
      containers:
      - name: app
        image: web:1
"""


@dataclass
class Ctx:
    """What the commands read from ``ctx.obj`` (the CLI's CliContext, the simulator's CommandContext)."""

    store: MemoryStore
    clock: VirtualClock
    cwd: Path
    namespace: str = "default"


@pytest.fixture
def ctx(tmp_path: Path) -> Ctx:
    clock = VirtualClock()
    return Ctx(MemoryStore(clock, seed=0), clock, tmp_path)


@pytest.fixture
def web(ctx: Ctx) -> None:
    ctx.store.create(admit(WEB))


def deployment(ctx: Ctx) -> dict[str, Any]:
    return ctx.store.get("Deployment", "default", "web")


@pytest.mark.parametrize(
    ("resource", "name", "result"),
    [
        pytest.param("deployment/web", None, ("deployment", "web"), id="KIND/NAME"),
        pytest.param("deploy", "web", ("deploy", "web"), id="KIND NAME"),
        pytest.param("deployment.apps/web", None, ("deployment.apps", "web"), id="a qualified kind"),
    ],
)
def test_split_target_reads_both_forms(resource: str, name: str | None, result: tuple[str, str]) -> None:
    assert split_target(resource, name) == result


@pytest.mark.parametrize(
    ("resource", "name", "error"),
    [
        pytest.param("deploy", None, "no name was specified", id="a kind without a name"),
        pytest.param("deploy/web", "web", "no need to specify a resource type as a separate argument", id="both forms at once"),
        pytest.param("deploy/", None, "must have a single resource and name", id="an empty name"),
    ],
)
def test_split_target_rejects_what_kubectl_rejects(resource: str, name: str | None, error: str) -> None:
    with pytest.raises(UsageError, match=error):
        split_target(resource, name)


# ---- run_command ---------------------------------------------------------------------------------
@pytest.mark.usefixtures("web")
@pytest.mark.parametrize(
    "argv",
    [
        pytest.param(["scale", "deployment/web", "--replicas", "30"], id="KIND/NAME"),
        pytest.param(["scale", "deploy", "web", "--replicas=30"], id="KIND NAME"),
    ],
)
def test_run_command_scale(ctx: Ctx, argv: list[str]) -> None:
    assert run_command(ctx, argv) == "deployment.apps/web scaled"
    assert deployment(ctx)["spec"]["replicas"] == 30


@pytest.mark.usefixtures("web")
@pytest.mark.parametrize(
    "argv",
    [
        pytest.param(["set", "image", "deployment/web", "app=web:2"], id="KIND/NAME"),
        pytest.param(["set", "image", "deployment", "web", "app=web:2"], id="KIND NAME"),
        pytest.param(["set", "image", "deployment/web", "*=web:2"], id="every container"),
    ],
)
def test_run_command_set_image(ctx: Ctx, argv: list[str]) -> None:
    assert run_command(ctx, argv) == "deployment.apps/web image updated"
    assert deployment(ctx)["spec"]["template"]["spec"]["containers"][0]["image"] == "web:2"


@pytest.mark.usefixtures("web")
@pytest.mark.parametrize(
    "argv",
    [
        pytest.param(["set", "env", "deployment/web", "MODE=slow"], id="KIND/NAME"),
        pytest.param(["set", "env", "deployment", "web", "-c", "a*", "MODE=slow"], id="KIND NAME, a container glob"),
    ],
)
def test_run_command_set_env(ctx: Ctx, argv: list[str]) -> None:
    assert run_command(ctx, argv) == "deployment.apps/web env updated"
    assert deployment(ctx)["spec"]["template"]["spec"]["containers"][0]["env"] == [{"name": "MODE", "value": "slow"}]
    assert run_command(ctx, ["set", "env", "deployment/web", "MODE-"]) == "deployment.apps/web env updated"
    assert "env" not in deployment(ctx)["spec"]["template"]["spec"]["containers"][0]


@pytest.mark.usefixtures("web")
@pytest.mark.parametrize(
    ("argv", "replicas"),
    [
        pytest.param(["patch", "deploy/web", "-p", '{"spec":{"replicas":4}}'], 4, id="strategic by default"),
        pytest.param(["patch", "deploy/web", "--type", "merge", "-p", '{"spec":{"replicas":5}}'], 5, id="merge"),
        pytest.param(["patch", "deploy/web", "--type=json", "-p", '[{"op":"replace","path":"/spec/replicas","value":6}]'], 6, id="json"),
    ],
)
def test_run_command_patch(ctx: Ctx, argv: list[str], replicas: int) -> None:
    assert run_command(ctx, argv) == "deployment.apps/web patched"
    assert deployment(ctx)["spec"]["replicas"] == replicas


@pytest.mark.usefixtures("web")
def test_run_command_patch_from_a_file_relative_to_cwd(ctx: Ctx) -> None:
    (ctx.cwd / "p.json").write_text('{"spec":{"replicas":7}}')
    assert run_command(ctx, ["patch", "deploy/web", "--patch-file", "p.json"]) == "deployment.apps/web patched"
    assert deployment(ctx)["spec"]["replicas"] == 7


def test_run_command_apply_reads_files_relative_to_cwd_and_keeps_scaled_replicas(ctx: Ctx) -> None:
    (ctx.cwd / "web.yaml").write_text(WEB_YAML)
    assert run_command(ctx, ["apply", "-f", "web.yaml"]) == "deployment.apps/web created"
    run_command(ctx, ["scale", "deploy/web", "--replicas", "30"])
    (ctx.cwd / "web.yaml").write_text(WEB_YAML.replace("web:1", "web:2"))
    assert run_command(ctx, ["apply", "-f", "web.yaml"]) == "deployment.apps/web configured"
    assert deployment(ctx)["spec"]["replicas"] == 30


def test_run_command_apply_several_files(ctx: Ctx) -> None:
    (ctx.cwd / "a.yaml").write_text(WEB_YAML)
    (ctx.cwd / "b.yaml").write_text(WEB_YAML.replace("name: web", "name: api", 1))
    assert run_command(ctx, ["apply", "-f", "a.yaml", "-f", "b.yaml"]) == "deployment.apps/web created\ndeployment.apps/api created"


@pytest.mark.usefixtures("web")
def test_run_command_record_writes_the_command_line(ctx: Ctx) -> None:
    run_command(ctx, ["set", "image", "deploy/web", "app=web:2", "--record"])
    cause = deployment(ctx)["metadata"]["annotations"]["kubernetes.io/change-cause"]
    assert cause == "graceroll set image deploy/web app=web:2 --record=true"
    run_command(ctx, ["scale", "deploy", "web", "--replicas", "3", "--record"])
    assert deployment(ctx)["metadata"]["annotations"]["kubernetes.io/change-cause"] == "graceroll scale deploy web --replicas=3 --record=true"


@pytest.mark.usefixtures("web")
def test_run_command_rollout_verbs(ctx: Ctx) -> None:
    assert run_command(ctx, ["rollout", "pause", "deploy/web"]) == "deployment.apps/web paused"
    assert run_command(ctx, ["rollout", "resume", "deploy", "web"]) == "deployment.apps/web resumed"
    assert run_command(ctx, ["rollout", "restart", "deploy/web"]) == "deployment.apps/web restarted"
    assert run_command(ctx, ["rollout", "history", "deploy/web"]) == "deployment.apps/web \nNo rollout history found."
    assert run_command(ctx, ["rollout", "status", "deploy/web"]) == "Waiting for deployment spec update to be observed..."


@pytest.mark.usefixtures("web")
def test_run_command_undo_and_history_take_their_revision_flags(ctx: Ctx) -> None:
    with pytest.raises(UsageError, match="unable to find specified revision 3 in history"):
        run_command(ctx, ["rollout", "undo", "deploy/web", "--to-revision", "3"])
    with pytest.raises(UsageError, match="revision must be a positive integer: -1"):
        run_command(ctx, ["rollout", "history", "deploy/web", "--revision=-1"])


@pytest.mark.usefixtures("web")
@pytest.mark.parametrize(
    ("argv", "error"),
    [
        pytest.param(["scale", "deploy/web", "--bogus"], UsageError, id="an unknown option"),
        pytest.param(["scale", "deploy/web"], UsageError, id="scale without --replicas"),
        pytest.param(["scale", "deploy/web", "--replicas", "x"], UsageError, id="a count that is not a number"),
        pytest.param(["frobnicate"], UsageError, id="an unknown command"),
        pytest.param(["rollout", "pause", "deploy/nope"], NotFound, id="a missing object"),
        pytest.param(["patch", "deploy/web"], UsageError, id="patch without a patch"),
        pytest.param(["set", "image", "deploy/web"], UsageError, id="set image without images"),
    ],
)
def test_run_command_raises_graceroll_errors(ctx: Ctx, argv: list[str], error: type[Exception]) -> None:
    with pytest.raises(error):
        run_command(ctx, argv)


# ---- as a command-line program ------------------------------------------------------------------
def invoke(ctx: Ctx, argv: list[str]) -> Any:
    return CliRunner().invoke(verbs_app, argv, obj=ctx, prog_name="graceroll")


@pytest.mark.usefixtures("web")
def test_cli_prints_kubectl_lines_on_stdout(ctx: Ctx) -> None:
    result = invoke(ctx, ["scale", "deploy/web", "--replicas", "2"])
    assert (result.exit_code, result.stdout, result.stderr) == (0, "deployment.apps/web scaled\n", "")


@pytest.mark.usefixtures("web")
def test_cli_prints_history_with_its_blank_line(ctx: Ctx) -> None:
    assert invoke(ctx, ["rollout", "history", "deploy/web"]).stdout == "deployment.apps/web \nNo rollout history found.\n"


@pytest.mark.usefixtures("web")
def test_cli_errors_are_one_line_on_stderr_with_exit_code_1(ctx: Ctx) -> None:
    invoke(ctx, ["rollout", "pause", "deploy/web"])
    result = invoke(ctx, ["rollout", "pause", "deploy/web"])
    assert (result.exit_code, result.stdout, result.stderr) == (1, "", 'error: deployments.apps "web" is already paused\n')


def test_cli_not_found_is_an_error_line(ctx: Ctx) -> None:
    result = invoke(ctx, ["scale", "deploy/nope", "--replicas", "1"])
    assert (result.exit_code, result.stderr) == (1, 'error: deployments.apps "nope" not found\n')
    assert "Traceback" not in result.output


@pytest.mark.usefixtures("web")
def test_cli_rollout_status_fails_once_the_deadline_was_exceeded(ctx: Ctx) -> None:
    d = clone(deployment(ctx))
    d["status"] = {"observedGeneration": 1, "conditions": [{"type": "Progressing", "status": "False", "reason": "ProgressDeadlineExceeded"}]}
    ctx.store.update_status(d)
    result = invoke(ctx, ["rollout", "status", "deploy/web"])
    assert (result.exit_code, result.stderr) == (1, 'error: deployment "web" exceeded its progress deadline\n')


@pytest.mark.usefixtures("web")
def test_cli_rollout_status_no_watch_while_waiting_exits_0(ctx: Ctx) -> None:
    result = invoke(ctx, ["rollout", "status", "deploy/web", "--no-watch"])
    assert (result.exit_code, result.stdout) == (0, "Waiting for deployment spec update to be observed...\n")


@pytest.mark.usefixtures("web")
def test_cli_rollout_status_watch_prints_each_change_once_and_times_out(ctx: Ctx) -> None:
    result = invoke(ctx, ["rollout", "status", "deploy/web", "--timeout", "3"])
    assert result.exit_code == 1
    assert result.stdout == "Waiting for deployment spec update to be observed...\n"
    assert result.stderr == "error: timed out waiting for the rollout of deploy/web after 3s\n"


@pytest.mark.usefixtures("web")
def test_cli_set_image_to_the_same_image_prints_nothing(ctx: Ctx) -> None:
    result = invoke(ctx, ["set", "image", "deploy/web", "app=web:1"])
    assert (result.exit_code, result.stdout) == (0, "")


class BrokenStore:
    """A store that fails in a way no verb expects."""

    def get(self, kind: str, namespace: str, name: str) -> Any:
        raise RuntimeError("disk on fire")


def test_cli_turns_an_unexpected_failure_into_one_error_line(ctx: Ctx) -> None:
    broken = Ctx(BrokenStore(), ctx.clock, ctx.cwd)  # type: ignore[arg-type]
    result = CliRunner().invoke(verbs_app, ["rollout", "pause", "deploy/web"], obj=broken, prog_name="graceroll")
    assert (result.exit_code, result.stderr) == (1, "error: internal error: RuntimeError: disk on fire\n")


def test_run_command_lets_an_unexpected_failure_through(ctx: Ctx) -> None:
    broken = Ctx(BrokenStore(), ctx.clock, ctx.cwd)  # type: ignore[arg-type]
    with pytest.raises(RuntimeError, match="disk on fire"):
        run_command(broken, ["rollout", "pause", "deploy/web"])


def test_apply_warns_of_an_unknown_key_of_a_bcs_document_and_applies_it(ctx: Ctx) -> None:
    """A typo in bcs-client's JSON: ``Warning: file:line: unknown field …`` on stderr, and the object
    is created all the same (Go's decoder would have dropped the key without a word)."""
    import json

    seed = Path(__file__).resolve().parents[3] / "examples" / "seed-003" / "test1-1-0.json"
    doc = json.loads(seed.read_text())
    ru = doc["spec"]["strategy"]["rollingupdate"]
    ru["upgradeDuraton"] = ru.pop("upgradeDuration")
    path = ctx.cwd / "typo.json"
    path.write_text(json.dumps(doc, indent=1))
    line = next(i for i, t in enumerate(path.read_text().splitlines(), 1) if "upgradeDuraton" in t)
    result = invoke(ctx, ["apply", "-f", "typo.json"])
    assert result.exit_code == 0 and result.stdout == "mesosdeployment.mesos.bcs.tencent.com/test created\n"
    assert result.stderr == f'Warning: {path}:{line}: unknown field "spec.strategy.rollingupdate.upgradeDuraton" (did you mean "upgradeDuration"?)\n'
    assert ctx.store.get("MesosDeployment", "defaultGroup", "test")["spec"]["strategy"]["rollingUpdate"]["upgradeDuration"] == 0
