"""Local, real counterparts for the run command and the tests: the commercetools
emulator (platform.mjs) and one HTTP sandbox per payment provider.

The sandboxes speak the providers' documented APIs, check credentials and signatures,
reject what the providers reject, and send notifications with real signatures. Control
endpoints under `<provider>/_sandbox/` let a test or a person drive them (complete a
payment, add latency). Nothing here is installed with the connector.
"""
