"""Emotion vectors as in the paper: story means, centring, neutral-subspace denoising."""
