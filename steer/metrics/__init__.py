"""Scoring generated text and aggregating scores per strength."""
