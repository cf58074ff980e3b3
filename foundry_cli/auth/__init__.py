"""Credentials: one provider per auth mode behind one interface. No UI imports.

``factory.make_credential`` is the entry point. Modules, lightest first (nothing here imports
msal, azure-identity, requests or cryptography at import time):

- ``base``: AccessToken, the TokenProvider protocol, BearerCredential (what the client calls)
- ``cache``: the persistent token cache (tokens.json, msal-<profile>.json) and CachedProvider
- ``aadsts``: AADSTS numbers -> error-table rows; scrubbing of secrets and tokens from messages
- ``jwt``: claims of a token without verification (doctor, AZURE_AD_TOKEN expiry)
- ``api_key`` (incl. key_command), ``azure_cli``, ``service_principal``, ``device_code``,
  ``managed_identity``, ``workload_identity``, ``default``, ``ad_token``: one per mode
"""
