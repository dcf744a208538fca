// The official Azure JavaScript SDKs, unmodified, against the emulator.
//
// Usage: node official_sdks.mjs TLS_JSON HTTP_JSON
//
// Each file is what `azure-user-tokens emulator --output json` printed (the
// `EmulatorStarted` shape). The HTTPS emulator's CA must be trusted through
// NODE_EXTRA_CA_CERTS: the SDKs' bearer-token policies refuse plain http, and
// MSAL (under @azure/identity) only accepts an https authority.
//
// Versions are pinned in package.json / package-lock.json (node 20).

import { createHmac, timingSafeEqual } from "node:crypto";
import { readFileSync } from "node:fs";

import { ApiManagementClient } from "@azure/arm-apimanagement";
import { CommunicationIdentityClient } from "@azure/communication-identity";
import { AzureKeyCredential } from "@azure/core-auth";
import { ClientSecretCredential } from "@azure/identity";

const RESOURCE_GROUP = "rg1";
const SERVICE = "apimService1";
const SUBSCRIPTION = "00000000-0000-0000-0000-000000000000";
const TEAMS_APP_ID = "11111111-2222-3333-4444-555555555555";
const SCOPES = ["chat", "voip", "chat.join", "chat.join.limited", "voip.join"];

function emulator(path) {
  return JSON.parse(readFileSync(path, "utf8").split("\n")[0]);
}

function require(condition, message) {
  if (!condition) {
    throw new Error(`check failed: ${message}`);
  }
}

function check(condition, message) {
  require(condition, message);
  console.log(`ok: ${message}`);
}

/** Awaits `call`, which must throw; `test` checks the error. */
async function expectError(call, message, test) {
  let error;
  try {
    await call();
  } catch (e) {
    error = e;
  }
  if (error === undefined) {
    throw new Error(`check failed: ${message}: nothing was thrown`);
  }
  if (!test(error)) {
    throw new Error(`check failed: ${message}: unexpected ${error.name} ${error.statusCode} ${error.code}: ${error.message}`);
  }
  console.log(`ok: ${message} (${error.name}, status ${error.statusCode}, code ${error.code})`);
  return error;
}

/** A RestError with this HTTP status and service error code. */
function restError(status, code) {
  return (e) => e.name === "RestError" && e.statusCode === status && (code === undefined || e.code === code);
}

function minutesFromNow(date) {
  require(date instanceof Date, `expiresOn is a Date (${date})`);
  return (date.getTime() - Date.now()) / 60000;
}

function claims(jwt) {
  const parts = jwt.split(".");
  require(parts.length === 3, "the token is a JWT");
  return JSON.parse(Buffer.from(parts[1], "base64url").toString("utf8"));
}

async function stats(info) {
  const response = await fetch(info.stats_url);
  return response.json();
}

/** createUser, createUserAndToken, getToken (each scope, lifetimes), revokeTokens, deleteUser. */
async function identityFlow(client, info, label) {
  const user = await client.createUser();
  check(user.communicationUserId.startsWith("8:acs:"), `${label}: createUser -> ${user.communicationUserId}`);

  const created = await client.createUserAndToken(["chat", "voip"], { tokenExpiresInMinutes: 60 });
  check(created.user.communicationUserId.startsWith("8:acs:"), `${label}: createUserAndToken creates a user`);
  const minutes = minutesFromNow(created.expiresOn);
  check(minutes > 58 && minutes <= 60.5, `${label}: createUserAndToken with 60 min expires in ~60 min`);
  check(claims(created.token).acsScope === "chat,voip", `${label}: its token carries chat,voip`);

  for (const scope of SCOPES) {
    const token = await client.getToken(user, [scope]);
    check(claims(token.token).acsScope === scope, `${label}: getToken(${scope}) carries ${scope}`);
  }
  const fallback = await client.getToken(user, ["voip"]);
  check(Math.abs(minutesFromNow(fallback.expiresOn) - 1440) < 2, `${label}: getToken defaults to 24 h`);
  for (const bound of [60, 1440]) {
    const token = await client.getToken(user, ["chat"], { tokenExpiresInMinutes: bound });
    check(Math.abs(minutesFromNow(token.expiresOn) - bound) < 2, `${label}: tokenExpiresInMinutes ${bound} is honoured`);
  }
  // The SDK sends out-of-range lifetimes (its mapper's constraints are not
  // enforced): the service's 400 is what the caller sees.
  for (const outside of [59, 1441]) {
    await expectError(
      () => client.getToken(user, ["chat"], { tokenExpiresInMinutes: outside }),
      `${label}: tokenExpiresInMinutes ${outside} is a 400 ValidationError`,
      (e) =>
        restError(400, "ValidationError")(e) &&
        e.message === `ExpiresInMinutes value ${outside} is invalid. Value must be within the [60, 1440] interval.`,
    );
  }
  await expectError(
    () => client.createUserAndToken(["chat"], { tokenExpiresInMinutes: 1441 }),
    `${label}: createUserAndToken with 1441 min is a 400 ValidationError`,
    restError(400, "ValidationError"),
  );

  await expectError(
    () => client.getToken(user, ["email"]),
    `${label}: an unknown scope is a 400 ValidationError`,
    (e) => restError(400, "ValidationError")(e) && e.message.includes("Scope 'email' is invalid"),
  );

  await client.revokeTokens(user);
  check(true, `${label}: revokeTokens`);
  await client.deleteUser(created.user);
  check(true, `${label}: deleteUser`);
  await expectError(
    () => client.getToken(created.user, ["chat"]),
    `${label}: getToken for a deleted user is 404 IdentityNotFound`,
    restError(404, "IdentityNotFound"),
  );
  await client.deleteUser(user);
}

/** getTokenForTeamsUser with an Entra token from the emulator's password grant. */
async function teamsFlow(client, info) {
  const response = await fetch(`${info.entra.authority}/${info.entra.tenant_id}/oauth2/v2.0/token`, {
    method: "POST",
    body: new URLSearchParams({
      grant_type: "password",
      client_id: TEAMS_APP_ID,
      // The emulator's well-known default user: the password grant accepts configured users only.
      username: info.entra.user,
      password: info.entra.user_password,
      scope: "https://auth.msft.communication.azure.com/Teams.ManageCalls",
    }),
  });
  check(response.ok, `the password grant answers ${response.status}`);
  const aadToken = (await response.json()).access_token;
  const oid = claims(aadToken).oid;
  const token = await client.getTokenForTeamsUser({ teamsUserAadToken: aadToken, clientId: TEAMS_APP_ID, userObjectId: oid });
  check(claims(token.token).skypeid === `orgid:${oid}`, "getTokenForTeamsUser -> a token for the Teams user");
  check(minutesFromNow(token.expiresOn) > 50, "getTokenForTeamsUser: it expires with the Entra token");
  await expectError(
    () => client.getTokenForTeamsUser({ teamsUserAadToken: "not-a-token", clientId: TEAMS_APP_ID, userObjectId: oid }),
    "getTokenForTeamsUser with a malformed Entra token is 401 InvalidAccessToken",
    restError(401, "InvalidAccessToken"),
  );
  await expectError(
    () =>
      client.getTokenForTeamsUser({
        teamsUserAadToken: aadToken,
        clientId: TEAMS_APP_ID,
        userObjectId: "99999999-9999-9999-9999-999999999999",
      }),
    "getTokenForTeamsUser for another user is 400 ValidationError",
    restError(400, "ValidationError"),
  );
}

/** The APIM token's signature: HMAC-SHA512 over "uid\nexpiry" with the key. */
function verifies(sharedAccessToken, key) {
  const [uid, stamp, signature] = sharedAccessToken.split("&");
  const expiry = `${stamp.slice(0, 4)}-${stamp.slice(4, 6)}-${stamp.slice(6, 8)}T${stamp.slice(8, 10)}:${stamp.slice(10, 12)}:00.0000000Z`;
  const expected = createHmac("sha512", key).update(`${uid}\n${expiry}`).digest();
  const given = Buffer.from(signature, "base64");
  return given.length === expected.length && timingSafeEqual(given, expected);
}

/** User token, get/list/create/update/delete with ETags, through ARM. */
async function apimFlow(info, credential) {
  // As for a sovereign cloud: another endpoint, and the token scope named
  // (it would otherwise be derived from the endpoint).
  const client = new ApiManagementClient(credential, SUBSCRIPTION, {
    endpoint: info.endpoint,
    credentialScopes: ["https://management.azure.com/.default"],
  });
  const users = client.user;

  const expiry = new Date(Date.now() + 24 * 3600 * 1000);
  const { value } = await users.getSharedAccessToken(RESOURCE_GROUP, SERVICE, "userId1718", { keyType: "primary", expiry });
  check(value.startsWith("userId1718&"), `getSharedAccessToken -> ${value.split("&").slice(0, 2).join("&")}&…`);
  check(verifies(value, info.apim.primary_key), "the shared access token verifies with the primary key");
  const secondary = await users.getSharedAccessToken(RESOURCE_GROUP, SERVICE, "userId1718", { keyType: "secondary", expiry });
  check(verifies(secondary.value, info.apim.secondary_key), "a secondary-key token verifies with the secondary key");
  await expectError(
    () =>
      users.getSharedAccessToken(RESOURCE_GROUP, SERVICE, "userId1718", {
        keyType: "primary",
        expiry: new Date(Date.now() + 31 * 24 * 3600 * 1000),
      }),
    "an expiry more than 30 days ahead is a 400",
    restError(400),
  );

  await expectError(() => users.get(RESOURCE_GROUP, SERVICE, "nobody"), "user.get of an unknown user is 404", restError(404));

  const id = "interop-js";
  const created = await users.createOrUpdate(RESOURCE_GROUP, SERVICE, id, {
    email: "interop-js@contoso.com",
    firstName: "Inter",
    lastName: "Op",
  });
  check(created.email === "interop-js@contoso.com" && created.name === id, "user.createOrUpdate creates the user");
  check(typeof created.eTag === "string" && created.eTag.length > 2, `user.createOrUpdate returns its ETag ${created.eTag}`);
  const fetched = await users.get(RESOURCE_GROUP, SERVICE, id);
  check(fetched.firstName === "Inter" && fetched.eTag === created.eTag, "user.get returns it with the same ETag");
  const tag = await users.getEntityTag(RESOURCE_GROUP, SERVICE, id);
  check(tag.eTag === created.eTag, "user.getEntityTag (HEAD) returns the same ETag");

  const updated = await users.update(RESOURCE_GROUP, SERVICE, id, created.eTag, { note: "updated" });
  check(updated.note === "updated" && updated.eTag !== created.eTag, "user.update with the current ETag changes it");
  await expectError(
    () => users.update(RESOURCE_GROUP, SERVICE, id, created.eTag, { note: "stale" }),
    "user.update with a stale ETag is 412",
    restError(412),
  );
  await expectError(
    () => users.createOrUpdate(RESOURCE_GROUP, SERVICE, id, { email: "x@contoso.com", firstName: "X", lastName: "Y" }, { ifMatch: created.eTag }),
    "user.createOrUpdate with a stale If-Match is 412",
    restError(412),
  );

  const names = [];
  for await (const page of users.listByService(RESOURCE_GROUP, SERVICE, { top: 1 }).byPage()) {
    check(page.length <= 1, `user.listByService page of ${page.length} with top=1`);
    names.push(...page.map((u) => u.name));
  }
  names.sort();
  check(JSON.stringify(names) === JSON.stringify(["1", id, "userId1718"]), `user.listByService pages through ${names}`);

  await expectError(
    () => users.beginDeleteAndWait(RESOURCE_GROUP, SERVICE, id, created.eTag),
    "user.beginDeleteAndWait with a stale ETag is 412",
    restError(412),
  );
  await users.beginDeleteAndWait(RESOURCE_GROUP, SERVICE, id, updated.eTag);
  await expectError(
    () => users.get(RESOURCE_GROUP, SERVICE, id),
    "user.beginDeleteAndWait with the current ETag removed the user",
    restError(404),
  );
}

async function main() {
  const [tls, http] = [emulator(process.argv[2]), emulator(process.argv[3])];

  // HMAC over HTTPS, through the connection string.
  const client = new CommunicationIdentityClient(tls.connection_string);
  await identityFlow(client, tls, "https + connection string");
  await teamsFlow(client, tls);

  // HMAC over plain HTTP, with endpoint + AzureKeyCredential (core-rest-pipeline
  // refuses http unless told otherwise).
  const insecure = { allowInsecureConnection: true };
  const httpClient = new CommunicationIdentityClient(http.endpoint, new AzureKeyCredential(http.access_key), insecure);
  await identityFlow(httpClient, http, "http + AzureKeyCredential");
  const wrongKey = new CommunicationIdentityClient(
    http.endpoint,
    new AzureKeyCredential(Buffer.from("not the emulator's key").toString("base64")),
    insecure,
  );
  await expectError(() => wrongKey.createUser(), "a wrong access key is 401 Denied", restError(401, "Denied"));

  // Entra: @azure/identity's ClientSecretCredential against the emulator's token endpoint.
  const entraOptions = { authorityHost: tls.entra.authority, disableInstanceDiscovery: true };
  const credential = new ClientSecretCredential(tls.entra.tenant_id, tls.entra.client_id, tls.entra.client_secret, entraOptions);
  const management = await credential.getToken("https://management.azure.com/.default");
  check(claims(management.token).aud === "https://management.azure.com", "ClientSecretCredential gets an ARM token");
  const bearerClient = new CommunicationIdentityClient(tls.endpoint, credential);
  const user = await bearerClient.createUser();
  check(user.communicationUserId.startsWith("8:acs:"), "createUser with an Entra bearer token");
  await bearerClient.deleteUser(user);
  const wrongSecret = new ClientSecretCredential(tls.entra.tenant_id, tls.entra.client_id, "not-the-secret", entraOptions);
  await expectError(
    () => wrongSecret.getToken("https://management.azure.com/.default"),
    "a wrong client secret is refused with AADSTS7000215 invalid_client",
    (e) => e.name === "AuthenticationRequiredError" && /invalid_client.*AADSTS7000215/s.test(e.message),
  );
  // Entra answers discovery for an unknown tenant with 400 invalid_tenant: MSAL cannot resolve it.
  const wrongTenant = new ClientSecretCredential(
    "99999999-9999-9999-9999-999999999999",
    tls.entra.client_id,
    tls.entra.client_secret,
    entraOptions,
  );
  await expectError(
    () => wrongTenant.getToken("https://management.azure.com/.default"),
    "an unknown tenant cannot be resolved",
    (e) => e.name === "CredentialUnavailableError" && /endpoints_resolution_error/.test(e.message),
  );

  await apimFlow(tls, credential);

  const counters = await stats(tls);
  check(counters.tokens_issued > 0 && counters.users === 0, `https emulator stats: ${JSON.stringify(counters)}`);
  console.log("interop: all official JavaScript SDK checks passed");
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
