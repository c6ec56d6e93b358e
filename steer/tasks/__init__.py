"""Tasks: what the model is asked, and how each reply is scored."""
