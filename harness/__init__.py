"""The Pulumi program, run in-process: stack files as the CLI reads them, and a mock runner.

Shared by the graph tests (fake ARNs) and the local cloud (real emulator resources); it
belongs to neither. Nothing here ships in the wheel or runs on AWS.
"""
