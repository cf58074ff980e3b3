"""Terminal output: output-mode policy, consoles, and the streaming answer renderers."""
