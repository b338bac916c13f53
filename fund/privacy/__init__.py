"""A person's own data (GDPR art. 15, 17, 20): the download of everything held about
them, and closing their account, keeping what the archive rules require."""
