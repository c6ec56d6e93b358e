"""Interchange with other steering tools: GGUF control vectors for llama.cpp and repeng."""
