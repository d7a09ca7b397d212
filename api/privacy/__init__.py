"""Personal data: a rider's erasure and retention periods (issue 15, item 4)."""
