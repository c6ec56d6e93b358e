"""Validating a bank: geometry against word ratings, held-out probes, logit lens, plots."""
