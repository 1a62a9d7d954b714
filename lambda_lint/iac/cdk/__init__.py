def is_assembly_template(path):
    return False
