"""The local cloud: deploy the real Pulumi program into an in-process AWS emulator and run it.

Nothing in components/ or handler/ imports this package.
"""
