"""Decisions: the deciding body's vedtak on each application, the letters that notify
them, and appeals (klage). Builds on review's innstilling (``fund.review.models.Proposal``)."""
