"""CDK apps through their committed cdk.out (regenerate with tests/cdk_synth.py; the tests
never run the CDK): templates found from cdk.json, code joined through assets back to the
source folder, findings named by construct path, construct-ignores, missing/stale output."""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import List, Set, Tuple

import pytest

from lambda_lint.cli import main

ROOT = Path(__file__).resolve().parent.parent
APPS = ROOT / "tests" / "fixtures" / "cdk"
SEED = ROOT / "examples" / "seed-incident-cdk"
SEED_TEMPLATE = "cdk.out/OrdersStack.template.json"


def lint(capsys, monkeypatch, cwd: Path, *args: str) -> Tuple[int, List[dict], str]:
    monkeypatch.chdir(cwd)
    rc = main(["--no-cache", "--format", "json", *args])
    out = capsys.readouterr()
    return rc, json.loads(out.out or "[]"), out.err


def where(findings: List[dict]) -> Set[Tuple[str, int, str]]:
    return {(f["path"], f["line"], f["rule"]) for f in findings}


def copy_app(src: Path, dst: Path) -> Path:
    shutil.copytree(src, dst)
    return dst


def test_seed_incident_cdk_finds_the_template_and_code_findings(capsys, monkeypatch) -> None:
    rc, found, err = lint(capsys, monkeypatch, SEED.parent, SEED.name)
    assert rc == 1 and err == ""
    codes = {f["rule"] for f in found}
    assert codes == {"LL102", "LL106", "LL201", "LL202", "LL203", "LL204", "LL208", "LL209", "LL210", "LL211", "LL218"}
    code_side = {(f["path"], f["rule"]) for f in found if f["rule"].startswith("LL1")}
    # at the user's source file, not at the asset copy in cdk.out
    assert code_side == {(f"{SEED.name}/src/app.py", "LL102"), (f"{SEED.name}/src/app.py", "LL106")}
    template = [f for f in found if f["rule"].startswith("LL2")]
    assert all(f["path"] == f"{SEED.name}/{SEED_TEMPLATE}" for f in template)
    ll201 = next(f for f in template if f["rule"] == "LL201")
    assert ll201["construct"].startswith("OrdersStack/Forwarder/KinesisEventSource:")
    ll208 = next(f for f in template if f["rule"] == "LL208")
    assert ll208["construct"] == "OrdersStack/Forwarder/Resource"
    # the construct path first, the hashed logical ID only as a second name
    assert ll208["message"].startswith(f"OrdersStack/Forwarder ({ll208['resource']}): ")


def test_json_key_order_puts_construct_after_function(capsys, monkeypatch) -> None:
    _, found, _ = lint(capsys, monkeypatch, SEED.parent, SEED.name, "--select", "LL208")
    assert list(found[0]) == ["rule", "name", "severity", "path", "line", "column", "end_line", "end_column",
                              "message", "resource", "function", "url", "help", "construct"]


def test_function_writing_to_its_trigger_bucket_is_a_loop_across_the_join(capsys, monkeypatch) -> None:
    rc, found, _ = lint(capsys, monkeypatch, APPS, "s3_writeback", "--select", "LL3")
    assert where(found) == {("s3_writeback/lambda/thumbs.py", 19, "LL301")}
    assert found[0]["message"].startswith("feedback loop PhotosStack/Thumbnails (")
    assert found[0]["construct"] == "PhotosStack/Photos/Resource"


def test_cdk_own_singleton_functions_are_not_reported(capsys, monkeypatch) -> None:
    _, found, _ = lint(capsys, monkeypatch, APPS, "s3_writeback")
    assert not [f for f in found if "BucketNotificationsHandler" in json.dumps(f)]


def test_metadata_suppression_set_in_cdk_survives_synthesis(capsys, monkeypatch) -> None:
    # s3_writeback/app.py: thumbnails.node.default_child.add_metadata("lambda-lint", {"ignore": ["LL211"]})
    template = (APPS / "s3_writeback" / "cdk.out" / "PhotosStack.template.json").read_text(encoding="utf-8")
    assert '"lambda-lint"' in template
    _, found, _ = lint(capsys, monkeypatch, APPS, "s3_writeback", "--select", "LL209,LL211")
    assert {f["rule"] for f in found} == {"LL209"}


def test_sqs_partial_batch_not_enabled(capsys, monkeypatch) -> None:
    _, found, _ = lint(capsys, monkeypatch, APPS, "sqs_partial_batch", "--select", "LL302,LL303")
    assert where(found) == {("sqs_partial_batch/lambda/jobs.py", 15, "LL302")}


def test_clean_app_has_no_findings(capsys, monkeypatch) -> None:
    # clean of every rule but LL218 (log retention, added after the app was synthesized): the
    # app keeps the CDK's default log group, which never expires, and LL218 says so
    rc, found, err = lint(capsys, monkeypatch, APPS, "clean")
    assert [f["rule"] for f in found] == ["LL218"] and err == ""
    rc, found, err = lint(capsys, monkeypatch, APPS, "clean", "--ignore", "LL218")
    assert (rc, found, err) == (0, [], "")


def test_naming_cdk_out_or_a_template_directly(capsys, monkeypatch) -> None:
    _, by_folder, _ = lint(capsys, monkeypatch, SEED, "cdk.out", "--select", "LL2")
    _, by_file, _ = lint(capsys, monkeypatch, SEED, SEED_TEMPLATE, "--select", "LL2")
    assert where(by_folder) == where(by_file) and len(by_file) == 9  # LL201-204, LL208-211, LL218
    assert all(f.get("construct") for f in by_file)


def test_cdk_out_is_still_skipped_outside_a_cdk_app(tmp_path, capsys, monkeypatch) -> None:
    shutil.copytree(SEED / "cdk.out", tmp_path / "cdk.out")
    rc, found, err = lint(capsys, monkeypatch, tmp_path, ".")
    assert found == [] and "no Python files or templates" in err


def test_missing_cdk_out_says_run_cdk_synth(tmp_path, capsys, monkeypatch) -> None:
    app = copy_app(SEED, tmp_path / "app")
    shutil.rmtree(app / "cdk.out")
    rc, found, err = lint(capsys, monkeypatch, tmp_path, "app")
    assert err.count("run `cdk synth` first") == 1 and len(err.strip().splitlines()) == 1
    assert rc == 1 and {f["rule"] for f in found} == {"LL102", "LL106"}  # the code is still linted
    for extra in ("app.py", "src"):
        p = app / extra
        shutil.rmtree(p) if p.is_dir() else p.unlink()
    rc, found, err = lint(capsys, monkeypatch, tmp_path, "app")
    assert rc == 2 and found == [] and "run `cdk synth` first" in err  # nothing else to lint


def test_stale_cdk_out_is_said_and_the_source_is_linted(tmp_path, capsys, monkeypatch) -> None:
    app = copy_app(SEED, tmp_path / "app")
    src = app / "src" / "app.py"
    src.write_text(src.read_text(encoding="utf-8") + "\n# edited after cdk synth\n", encoding="utf-8")
    rc, found, err = lint(capsys, monkeypatch, tmp_path, "app")
    assert "cdk.out is older than the code" in err and "run `cdk synth` first" in err
    assert ("app/src/app.py", 29, "LL102") in where(found)


def test_asset_without_a_source_folder_is_reported_in_place(tmp_path, capsys, monkeypatch) -> None:
    app = copy_app(SEED, tmp_path / "app")
    shutil.rmtree(app / "src")
    rc, found, err = lint(capsys, monkeypatch, tmp_path, "app")
    assert "no source folder under the app matches" in err
    code = {(f["path"].split("/")[-1], f["rule"]) for f in found if f["rule"].startswith("LL1")}
    assert code == {("app.py", "LL102"), ("app.py", "LL106")}
    assert all("/cdk.out/asset." in f["path"] for f in found if f["rule"].startswith("LL1"))


def test_construct_ignores(tmp_path, capsys, monkeypatch) -> None:
    app = copy_app(SEED, tmp_path / "app")
    (app / "pyproject.toml").write_text(
        '[tool.lambda-lint.construct-ignores]\n"*/Forwarder/*" = ["LL208", "no-error-alarm"]\n', encoding="utf-8")
    monkeypatch.chdir(app)
    _, found, _ = lint(capsys, monkeypatch, app, ".")
    codes = {f["rule"] for f in found}
    assert "LL208" not in codes and "LL209" not in codes and "LL201" in codes


def test_construct_ignores_bad_code_is_a_config_error(tmp_path, capsys, monkeypatch) -> None:
    app = copy_app(SEED, tmp_path / "app")
    (app / "pyproject.toml").write_text('[tool.lambda-lint.construct-ignores]\n"*" = ["LL999"]\n', encoding="utf-8")
    rc, _, err = lint(capsys, monkeypatch, app, ".")
    assert rc == 2 and "LL999" in err


def test_nested_stacks_and_stages_are_read(tmp_path) -> None:
    from lambda_lint.iac.cdk.assembly import read_assembly

    asm = tmp_path / "cdk.out"
    (asm / "assembly-Prod").mkdir(parents=True)
    (asm / "manifest.json").write_text(json.dumps({"artifacts": {
        "Top": {"type": "aws:cloudformation:stack", "properties": {"templateFile": "Top.template.json"}},
        "Prod": {"type": "cdk:cloud-assembly", "properties": {"directoryName": "assembly-Prod"}}}}))
    (asm / "Top.template.json").write_text(json.dumps({"Resources": {"Inner": {
        "Type": "AWS::CloudFormation::Stack", "Metadata": {"aws:asset:path": "TopInner.nested.template.json"}}}}))
    (asm / "TopInner.nested.template.json").write_text(json.dumps({"Resources": {}}))
    (asm / "assembly-Prod" / "manifest.json").write_text(json.dumps({"artifacts": {
        "ProdApi": {"type": "aws:cloudformation:stack", "properties": {"templateFile": "ProdApi.template.json"}}}}))
    (asm / "assembly-Prod" / "ProdApi.template.json").write_text(json.dumps({"Resources": {}}))
    found = read_assembly(str(asm))
    assert found is not None
    assert [Path(p).name for p in found.templates] == [
        "Top.template.json", "TopInner.nested.template.json", "ProdApi.template.json"]


@pytest.mark.parametrize("path,own", [
    ("PhotosStack/BucketNotificationsHandler050a0587b7544547bf325f094a3db834/Resource", True),
    ("S/Custom::S3AutoDeleteObjectsCustomResourceProvider/Handler", True),
    ("OrdersStack/Forwarder/Resource", False),
])
def test_cdk_own_constructs(path: str, own: bool) -> None:
    from lambda_lint.iac.cdk.constructs import is_cdk_own

    assert is_cdk_own(path) is own


def test_only_cdk_made_or_named_logical_ids_are_renamed() -> None:
    from lambda_lint.findings import Finding, Severity
    from lambda_lint.iac.cdk.constructs import decorate

    constructs = {"Orders": "S/Orders/Resource", "WorkerAB12CD34": "S/Worker/Resource",
                  "TriggerEF567890": "S/Worker/SqsEventSource:Orders/Resource"}
    f = Finding("t.json", 1, 1, "LL205", "n", Severity.WARNING,
                "WorkerAB12CD34: SQS trigger TriggerEF567890 reads Orders without a DLQ",
                resource="TriggerEF567890", function="WorkerAB12CD34")
    (out,) = decorate([f], lambda _d: constructs, [])
    assert out.message == ("S/Worker (WorkerAB12CD34): SQS trigger S/Worker/SqsEventSource:Orders "
                           "(TriggerEF567890) reads Orders without a DLQ")
    assert out.construct == "S/Worker/SqsEventSource:Orders/Resource"


def test_sarif_carries_the_construct(capsys, monkeypatch) -> None:
    monkeypatch.chdir(SEED.parent)
    main(["--no-cache", "--format", "sarif", "--select", "LL208", SEED.name])
    result = json.loads(capsys.readouterr().out)["runs"][0]["results"][0]
    assert result["properties"]["construct"] == "OrdersStack/Forwarder/Resource"


def test_a_manifest_with_no_stack_says_run_cdk_synth(tmp_path, capsys, monkeypatch) -> None:
    # an empty manifest used to read as "no Python files or templates found", exit 0
    app = tmp_path / "app"
    (app / "cdk.out").mkdir(parents=True)
    (app / "cdk.json").write_text('{"app": "python3 app.py"}', encoding="utf-8")
    (app / "cdk.out" / "manifest.json").write_text('{"version": "36.0.0", "artifacts": {}}', encoding="utf-8")
    rc, found, err = lint(capsys, monkeypatch, tmp_path, "app")
    assert rc == 2 and found == [] and "manifest.json names no stack; run `cdk synth` first" in err
