"""osbp: OpenStack reference architectures as standalone Pulumi Python projects."""

__version__ = "0.1.0"
