"""discover package."""
