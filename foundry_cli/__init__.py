"""fclaude: Claude on Microsoft Foundry from the command line."""

__version__ = "0.1.0"
