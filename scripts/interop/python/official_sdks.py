"""The official Azure Python SDKs, unmodified, against the emulator.

Usage: official_sdks.py TLS_JSON HTTP_JSON

Each file is what `azure-user-tokens emulator --output json` printed (the
`EmulatorStarted` shape). The HTTPS emulator's CA must be trusted through
REQUESTS_CA_BUNDLE.

Entra: azure-identity's ClientSecretCredential talks to the emulator's token
endpoint itself (authority = the emulator, instance discovery off). MSAL only
accepts https authorities, hence the HTTPS emulator with its own CA.
"""

import base64
import datetime
import hashlib
import hmac
import json
import os
import re
import sys

import requests
from azure.communication.identity import (
    CommunicationIdentityClient,
    CommunicationTokenScope,
    CommunicationUserIdentifier,
)
from azure.core.credentials import AzureKeyCredential
from azure.core.exceptions import (
    ClientAuthenticationError,
    HttpResponseError,
    ResourceNotFoundError,
)
from azure.identity import ClientSecretCredential
from azure.mgmt.apimanagement import ApiManagementClient
from azure.mgmt.apimanagement.models import (
    KeyType,
    UserCreateParameters,
    UserTokenParameters,
)

RESOURCE_GROUP = "rg1"
SERVICE = "apimService1"
SUBSCRIPTION = "00000000-0000-0000-0000-000000000000"
TEAMS_APP_ID = "11111111-2222-3333-4444-555555555555"


def emulator(path):
    with open(path, encoding="utf-8") as f:
        return json.loads(f.readline())


def utcnow():
    return datetime.datetime.now(datetime.timezone.utc)


def check(condition, message):
    if not condition:
        raise AssertionError(message)
    print(f"ok: {message}")


def expect_error(error_type, call, message, contains=None):
    try:
        call()
    except error_type as e:
        if contains is not None and contains not in str(e):
            raise AssertionError(f"{message}: {contains!r} not in {e}") from e
        print(f"ok: {message} ({type(e).__name__}, status {getattr(e, 'status_code', None)})")
        return e
    raise AssertionError(f"{message}: no {error_type.__name__} raised")


def minutes_from_now(expires_on):
    """Minutes until `expires_on`; SDK 1.5.0 hands it over as the wire string
    (7 fractional digits, which datetime does not parse: keep 6)."""
    if isinstance(expires_on, str):
        match = re.fullmatch(r"(.*T\d\d:\d\d:\d\d)(?:\.(\d+))?(.*)", expires_on)
        if match is None:
            raise AssertionError(f"expiresOn {expires_on!r} is not ISO 8601")
        fraction = (match.group(2) or "0")[:6]
        expires_on = datetime.datetime.fromisoformat(f"{match.group(1)}.{fraction}{match.group(3)}")
    return (expires_on - utcnow()).total_seconds() / 60


def identity_flow(client, label):
    """create_user, create_user_and_token, get_token, revoke_tokens, delete_user."""
    user = client.create_user()
    check(user.properties["id"].startswith("8:acs:"), f"{label}: create_user -> {user.properties['id']}")

    user2, token = client.create_user_and_token(
        scopes=[CommunicationTokenScope.CHAT, CommunicationTokenScope.VOIP],
        token_expires_in=datetime.timedelta(minutes=60),
    )
    check(55 <= minutes_from_now(token.expires_on) <= 61, f"{label}: create_user_and_token expires in ~60 min")
    check(token.token.count(".") == 2, f"{label}: the token is a JWT")

    token = client.get_token(user, scopes=[CommunicationTokenScope.VOIP])
    check(23 * 60 <= minutes_from_now(token.expires_on) <= 24 * 60 + 1, f"{label}: get_token defaults to 24 h")

    expect_error(
        HttpResponseError,
        lambda: client.get_token(user, scopes=["chat"], token_expires_in=datetime.timedelta(minutes=59)),
        f"{label}: token_expires_in=59 min is rejected",
        contains="ExpiresInMinutes value 59 is invalid. Value must be within the [60, 1440] interval.",
    )

    client.revoke_tokens(user)
    check(True, f"{label}: revoke_tokens")
    client.delete_user(user2)
    check(True, f"{label}: delete_user")
    expect_error(
        ResourceNotFoundError,
        lambda: client.get_token(user2, scopes=[CommunicationTokenScope.CHAT]),
        f"{label}: get_token for a deleted user is 404",
    )
    return user


def teams_flow(client, info, ca):
    """get_token_for_teams_user with a token from the emulator's password grant."""
    response = requests.post(
        f"{info['entra']['authority']}/{info['entra']['tenant_id']}/oauth2/v2.0/token",
        data={
            "grant_type": "password",
            "client_id": TEAMS_APP_ID,
            # The well-known default user: the password grant accepts configured users only.
            "username": info["entra"]["user"],
            "password": info["entra"]["user_password"],
            "scope": "https://auth.msft.communication.azure.com/Teams.ManageCalls",
        },
        verify=ca,
        timeout=30,
    )
    response.raise_for_status()
    aad_token = response.json()["access_token"]
    payload = aad_token.split(".")[1]
    claims = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
    token = client.get_token_for_teams_user(aad_token, TEAMS_APP_ID, claims["oid"])
    check(token.token.count(".") == 2 and minutes_from_now(token.expires_on) > 50, "get_token_for_teams_user")
    expect_error(
        ClientAuthenticationError,
        lambda: client.get_token_for_teams_user("not-a-token", TEAMS_APP_ID, claims["oid"]),
        "get_token_for_teams_user with a malformed Entra token is 401",
    )


def apim_flow(info, credential):
    client = ApiManagementClient(credential, SUBSCRIPTION, base_url=info["endpoint"])
    expiry = utcnow() + datetime.timedelta(days=1)
    result = client.user.get_shared_access_token(
        RESOURCE_GROUP,
        SERVICE,
        "userId1718",
        UserTokenParameters(key_type=KeyType.PRIMARY, expiry=expiry),
    )
    uid, stamp, signature = result.value.split("&", 2)
    check(uid == "userId1718", f"get_shared_access_token -> {uid}&{stamp}&…")
    signed = f"{uid}\n{stamp[0:4]}-{stamp[4:6]}-{stamp[6:8]}T{stamp[8:10]}:{stamp[10:12]}:00.0000000Z"
    expected = base64.b64encode(
        hmac.new(info["apim"]["primary_key"].encode(), signed.encode(), hashlib.sha512).digest()
    ).decode()
    check(hmac.compare_digest(expected, signature), "the shared access token verifies with the primary key")

    expect_error(
        HttpResponseError,
        lambda: client.user.get_shared_access_token(
            RESOURCE_GROUP,
            SERVICE,
            "userId1718",
            UserTokenParameters(key_type=KeyType.SECONDARY, expiry=utcnow() + datetime.timedelta(days=31)),
        ),
        "an expiry more than 30 days ahead is rejected",
    )
    expect_error(
        ResourceNotFoundError,
        lambda: client.user.get(RESOURCE_GROUP, SERVICE, "nobody"),
        "user.get of an unknown user is 404",
    )
    created = client.user.create_or_update(
        RESOURCE_GROUP,
        SERVICE,
        "interop",
        UserCreateParameters(email="interop@contoso.com", first_name="Inter", last_name="Op"),
    )
    check(created.email == "interop@contoso.com", "user.create_or_update")
    names = [u.name for u in client.user.list_by_service(RESOURCE_GROUP, SERVICE, top=1)]
    check(sorted(names) == ["1", "interop", "userId1718"], f"user.list_by_service pages with top=1 -> {names}")
    client.user.begin_delete(RESOURCE_GROUP, SERVICE, "interop", if_match="*").result()
    expect_error(
        ResourceNotFoundError,
        lambda: client.user.get(RESOURCE_GROUP, SERVICE, "interop"),
        "user.begin_delete with if_match='*' removed the user",
    )


def main():
    tls, http = emulator(sys.argv[1]), emulator(sys.argv[2])
    ca = os.environ["REQUESTS_CA_BUNDLE"]

    # HMAC over HTTPS, through the connection string.
    client = CommunicationIdentityClient.from_connection_string(tls["connection_string"])
    identity_flow(client, "https + connection string")
    teams_flow(client, tls, ca)

    # HMAC over plain HTTP: the constructor keeps an explicit http:// endpoint.
    http_client = CommunicationIdentityClient(http["endpoint"], AzureKeyCredential(http["access_key"]))
    identity_flow(http_client, "http + AzureKeyCredential")
    wrong_key = CommunicationIdentityClient(
        http["endpoint"], AzureKeyCredential(base64.b64encode(b"not the emulator's key").decode())
    )
    expect_error(HttpResponseError, wrong_key.create_user, "a wrong access key is rejected")

    # Entra: ClientSecretCredential against the emulator's token endpoint.
    credential = ClientSecretCredential(
        tls["entra"]["tenant_id"],
        tls["entra"]["client_id"],
        tls["entra"]["client_secret"],
        authority=tls["entra"]["authority"],
        disable_instance_discovery=True,
    )
    bearer_client = CommunicationIdentityClient(tls["endpoint"], credential)
    user = bearer_client.create_user()
    check(user.properties["id"].startswith("8:acs:"), "create_user with an Entra bearer token")
    apim_flow(tls, credential)

    stats = requests.get(tls["stats_url"], verify=ca, timeout=30).json()
    check(stats["auth_failures"] == 0 and stats["tokens_issued"] > 0, f"https emulator stats: {stats}")
    print("interop: all official Python SDK checks passed")


if __name__ == "__main__":
    main()
