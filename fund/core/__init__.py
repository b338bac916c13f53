"""Small building blocks shared by every domain: column types, time, formatting."""
