"""toponet."""
