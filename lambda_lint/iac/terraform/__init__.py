"""The Terraform front-end: a root module's ``.tf``/``.tf.json`` files, read by our HCL reader
(:mod:`.hcl`) and lowered into the one tree (:mod:`.lower`). Nothing is imported here:
discovery imports :mod:`.sniff` alone."""
