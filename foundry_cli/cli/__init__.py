"""The Typer app. The only layer that prints or chooses exit codes."""
