"""Great Expectations validation: quality gates before the marts, and the compliance check."""
