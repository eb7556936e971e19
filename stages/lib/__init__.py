"""Code shared by several stages: schema, raw-file reading and validation, features, I/O."""
