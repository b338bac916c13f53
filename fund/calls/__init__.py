"""Yearly calls (utlysninger): window, budget, limits and scoring criteria."""
