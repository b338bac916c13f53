"""The benchmark of issue 14 (`make bench`); see run.py."""
