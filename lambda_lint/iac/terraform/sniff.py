"""Terraform files are known by their names (``*.tf``, ``*.tf.json``); import-free."""

from __future__ import annotations


def claims(name: str, head: str) -> bool:
    return name.endswith((".tf", ".tf.json"))


def unit(path: str) -> list:
    """The files whose bytes a result of ``path`` depends on: its whole folder's ``.tf`` files
    (and tfvars), so a cached answer changes when a sibling does."""
    import os

    from lambda_lint.iac.terraform.lower import run_callers, unit_files

    folder = os.path.dirname(os.path.abspath(path)) or "."
    extra = []
    try:
        extra = sorted(os.path.join(folder, n) for n in os.listdir(folder)
                       if n == "terraform.tfvars" or n.endswith(".auto.tfvars"))
    except OSError:
        pass
    return unit_files(path) + extra + run_callers(folder)
