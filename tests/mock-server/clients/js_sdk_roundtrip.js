// Drives hubagent-mock with the unmodified Azure SDK for JavaScript (@azure/identity +
// @azure/arm-costmanagement from tools/npm): client secret and certificate (PS256 with
// x5t#S256) credentials; create, update with the eTag, run, read history, delete an export.
"use strict";
const { ClientSecretCredential, ClientCertificateCredential } = require("@azure/identity");
const { CostManagementClient } = require("@azure/arm-costmanagement");

const env = process.env;
const options = { authorityHost: env.MOCK_LOGIN, disableInstanceDiscovery: true };
const scope = env.MOCK_SCOPE;

function check(condition, message) {
  if (!condition) throw new Error(message);
}

async function roundtrip(credential, name) {
  const client = new CostManagementClient(credential, {
    endpoint: env.MOCK_ARM,
    credentialScopes: ["https://management.azure.com/.default"],
  });
  const created = await client.exports.createOrUpdate(scope, name, {
    format: "Csv",
    deliveryInfo: {
      destination: { resourceId: env.MOCK_STORAGE_ID, container: "msexports", rootFolderPath: "js" },
    },
    definition: { type: "ActualCost", timeframe: "MonthToDate", dataSet: { granularity: "Daily" } },
    schedule: { status: "Inactive" },
  });
  check(created.name === name && created.eTag, "create: " + JSON.stringify(created));
  const got = await client.exports.get(scope, name, { expand: "runHistory" });
  got.definition.timeframe = "TheLastMonth";
  const updated = await client.exports.createOrUpdate(scope, name, got);
  check(updated.definition.timeframe === "TheLastMonth", "update");
  await client.exports.execute(scope, name);
  let run;
  for (let i = 0; i < 200; i++) {
    const history = await client.exports.getExecutionHistory(scope, name);
    run = history.value[0];
    if (run && run.status !== "Queued" && run.status !== "InProgress") break;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  check(run.status === "Completed", "run status " + run.status);
  check(run.submittedTime instanceof Date, "submittedTime is not a date");
  await client.exports.delete(scope, name);
  let gone = false;
  try {
    await client.exports.get(scope, name);
  } catch (error) {
    gone = error.statusCode === 404;
  }
  check(gone, "export still there after delete");
}

(async () => {
  await roundtrip(
    new ClientSecretCredential(env.MOCK_TENANT, env.MOCK_CLIENT_ID, env.MOCK_CLIENT_SECRET, options),
    "js-sdk-secret");
  await roundtrip(
    new ClientCertificateCredential(env.MOCK_TENANT, env.MOCK_CLIENT_ID,
                                    { certificatePath: env.MOCK_CERT_PATH }, options),
    "js-sdk-certificate");
  console.log("js sdk roundtrip ok");
})().catch((error) => {
  console.error(error && error.stack ? error.stack : error);
  process.exit(1);
});
