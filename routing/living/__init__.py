"""living."""
