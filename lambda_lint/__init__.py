"""lambda-lint: find the AWS Lambda mistakes that run up the bill, before they are deployed.

Kept import-free on purpose: `lambda-lint --version` and a pre-commit run on one file
must not pay for libcst, PyYAML or cfn-lint unless the run needs them.
"""

__version__ = "0.1.0"
