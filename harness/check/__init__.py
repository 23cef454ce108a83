"""`harness check PATH`: a user's own project built and run on every engine, compared."""
