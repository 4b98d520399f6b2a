"""Static runtime copied into every generated package (this file is not copied)."""
