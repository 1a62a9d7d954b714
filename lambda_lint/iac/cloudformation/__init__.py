"""The SAM/CloudFormation front-end: YAML and JSON templates, read by PyYAML's event stream
into position-keeping trees (:mod:`.loader`); the model (:mod:`lambda_lint.iac.model`) is
built over exactly that shape, so this front-end lowers nothing. Nothing is imported here:
discovery imports :mod:`.sniff` alone, and start-up matters."""
